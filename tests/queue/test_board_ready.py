"""办结公示 on the board: results waiting at the hall's pickup window, masked, newest first, live."""

from tests.cases.test_pickup_handover import OPINION
from tests.conftest import APPLICANT_ID


def approved(api, name: str) -> str:
    """A 同城办 case of ``name``, approved, to be collected at xiqu; return its number."""
    applicant = {"name": name, "id_number": APPLICANT_ID, "phone": "13800138000"}
    no = api.open_case(
        service="SCJG-001", mode="citywide", delivery={"method": "pickup"}, applicant=applicant
    )["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    return no


def test_ready_list_masked_newest_first_and_live(api, advance, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "queue_server.realtime.events.socketio.emit",
        lambda name, payload, to: sent.append((name, payload, to)),
    )
    first, second = approved(api, "张三"), approved(api, "欧阳小娜")
    assert api.get("/halls/xiqu/board").get_json()["ready"] == []

    api.fire(first, "notify_pickup", as_user="clerk1")
    advance(5)
    api.fire(second, "notify_pickup", as_user="clerk1")
    board = api.get("/halls/xiqu/board").get_json()
    assert [(row["case_no"], row["applicant"]) for row in board["ready"]] == [
        (second, "欧**娜"),
        (first, "张*"),
    ]
    assert board["ready"][0]["service"] == "SCJG-001" and board["ready"][0]["service_name"]
    notices = [(payload, to) for name, payload, to in sent if name == "ready_updated"]
    assert [(p["case_no"], p["ready"], p["applicant"], to) for p, to in notices] == [
        (first, True, "张*", "hall:xiqu"),
        (second, True, "欧**娜", "hall:xiqu"),
    ]
    assert "seq" not in notices[0][0]  # a notice: the board's seq counts calls and queues only
    seq = board["seq"]

    sent.clear()
    api.fire(first, "deliver", as_user="clerk1")
    board = api.get("/halls/xiqu/board").get_json()
    assert [row["case_no"] for row in board["ready"]] == [second]
    assert board["seq"] == seq
    assert [(p["case_no"], p["ready"]) for name, p, _ in sent if name == "ready_updated"] == [(first, False)]


def test_mailed_and_other_halls_results_are_not_listed(api, other_hall):
    no = api.open_case()["case_no"]  # mailed
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    api.fire(no, "mail", as_user="clerk1", data={"waybill_no": "SF1234567890"})
    assert api.get("/halls/xiqu/board").get_json()["ready"] == []
    ready = approved(api, "李四")
    api.fire(ready, "notify_pickup", as_user="clerk1")
    assert api.get(f"/halls/{other_hall}/board").get_json()["ready"] == []
    assert [row["case_no"] for row in api.get("/halls/xiqu/board").get_json()["ready"]] == [ready]
