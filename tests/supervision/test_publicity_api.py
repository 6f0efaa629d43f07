"""办结公示: a hall's public page of a day (cases accepted and decided per item, masked) and its figures."""

from tests.cases.test_pickup_handover import OPINION
from tests.conftest import APPLICANT_ID

DAY = "2026-11-30"  # the frozen Monday of the API tests


def decided(api, name: str, service: str = "SCJG-001") -> str:
    applicant = {"name": name, "id_number": APPLICANT_ID, "phone": "13800138000"}
    no = api.open_case(service=service, mode="citywide", delivery={"method": "pickup"}, applicant=applicant)
    api.fire(no["case_no"], "accept", as_user="clerk1")
    api.fire(no["case_no"], "claim", as_user="approver_scjg")
    api.fire(no["case_no"], "approve", as_user="approver_scjg", note=OPINION)
    return no["case_no"]


def test_day_lists_per_item_and_figures(api, advance):
    first = decided(api, "张三")
    accepted = api.open_case(
        applicant={"name": "欧阳小娜", "id_number": APPLICANT_ID, "phone": "13800138000"}
    )
    api.fire(accepted["case_no"], "accept", as_user="clerk1")
    api.open_case()  # taken in, not accepted: not listed
    ticket = api.take()
    window = api.open_window(1)
    assert api.serve(window)["id"] == ticket["id"]
    for grade in (5,):
        rated = api.post(
            "/ratings", json={"ticket_id": ticket["id"], "token": ticket["rating_token"], "grade": grade}
        )
        assert rated.status_code == 201, rated.get_json()

    page = api.get(f"/halls/xiqu/publicity?date={DAY}")
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    assert body["hall"] == "xiqu" and body["date"] == DAY
    items = {item["service"]: item for item in body["items"]}
    assert [(c["case_no"], c["applicant"]) for c in items["SCJG-001"]["accepted"]] == [(first, "张*")]
    assert [(c["case_no"], c["on_time"], c["state"]) for c in items["SCJG-001"]["decided"]] == [
        (first, True, "approved")
    ]
    assert [c["applicant"] for c in items["SCJG-006"]["accepted"]] == ["欧**娜"]
    assert items["SCJG-006"]["decided"] == []
    assert "id_number" not in str(body) and "13800138000" not in str(body)

    figures = body["figures"]
    assert figures["cases"]["decided"] == 1 and figures["cases"]["on_time_rate"] == 1.0
    assert figures["cases"]["by_mode"]["citywide"] == 1 and figures["cases"]["by_mode"]["once"] == 2
    assert figures["ratings"]["count"] == 1 and figures["ratings"]["satisfied_rate"] == 1.0
    stats = api.get(f"/halls/xiqu/stats?from=2026-11-01&to={DAY}", as_user="supervisor1").get_json()
    assert figures["cases"]["on_time_rate"] == stats["cases"]["on_time_rate"]
    assert figures["cases"]["by_mode"] == stats["cases"]["by_mode"]
    assert sum(body["items_by_mode"].values()) >= len(api.get("/services").get_json())
    assert body["items_by_mode"]["immediate"] > 0

    other_day = api.get("/halls/xiqu/publicity?date=2026-11-29").get_json()
    assert other_day["items"] == []


def test_bad_publicity_requests(api):
    assert api.get("/halls/nope/publicity").status_code == 404
    answer = api.get("/halls/xiqu/publicity?date=2026-02-30")
    assert answer.status_code == 400 and "date" in answer.get_json()["error"]["details"]["fields"]
