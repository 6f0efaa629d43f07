"""同城办 and 异地代收代办 through the API: accepted at a 西区 community, decided by 东区, its paper file
carried on transfer slips (流转单), handed over at a third hall; bad input and other halls refused."""

from datetime import timedelta

import pytest

from queue_server.calendar import clock
from queue_server.cases.models import CaseTransfer
from queue_server.cases.transfers import overdue_slips
from queue_server.extensions import db
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE, assert_error

OPINION = "材料齐全，符合法定条件，准予许可。"
QIWAN = "中山市东区起湾社区服务中心"


def body(**fields) -> dict:
    return {
        "service": "SCJG-001",
        "hall": "caihong",
        "mode": "citywide",
        "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
        "jurisdiction": "dongqu",
        "delivery": {"method": "pickup", "hall": "qiwan"},
        **fields,
    }


def open_citywide(api) -> dict:
    answer = api.post("/cases", json=body(), as_user="caihong_clerk")
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def send(api, no: str, to: str, as_user: str, expect: int = 201) -> dict:
    answer = api.post(f"/cases/{no}/transfers", json={"to": to}, as_user=as_user)
    assert answer.status_code == expect, answer.get_json()
    return answer.get_json()


def receive(api, slip: int, as_user: str, expect: int = 200) -> dict:
    answer = api.post(f"/transfers/{slip}/receive", as_user=as_user)
    assert answer.status_code == expect, answer.get_json()
    return answer.get_json()


def listed(api, user: str) -> list[str]:
    return [case["case_no"] for case in api.get("/cases", as_user=user).get_json()["items"]]


def test_accepted_in_west_decided_in_east_collected_at_a_third_hall(api, sms):
    """Does a 同城办 case go from 彩虹社区 to 东区's approver and out at 起湾社区, its file on slips?"""
    case = open_citywide(api)
    no = case["case_no"]
    assert (case["hall"], case["jurisdiction"], case["delivery"]["hall"]) == ("caihong", "dongqu", "qiwan")
    assert case["jurisdiction_name"] == "中山市东区行政服务中心" and case["department"] == "dq_scjg"
    assert case["delivery"]["hall_name"] == QIWAN
    api.fire(no, "accept", as_user="caihong_clerk")
    assert_error(api.get(f"/cases/{no}", as_user="dongqu_clerk1"), 403, "forbidden")

    # The paper file travels to the district that decides: sent by 彩虹, received by 东区 only.
    slip = send(api, no, "dongqu", as_user="caihong_clerk")
    # 东区's back office opens the case the slip names (its details, to check the file against).
    assert api.get(f"/cases/{no}", as_user="dongqu_clerk1").get_json()["case_no"] == no
    assert no in listed(api, "dongqu_clerk1")
    assert (slip["from_hall"], slip["to_hall"], slip["received_at"]) == ("caihong", "dongqu", None)
    assert slip["sent_by"] == "区嘉怡"
    send(api, no, "qiwan", as_user="caihong_clerk", expect=409)  # one slip on the road at a time
    assert_error(api.post(f"/transfers/{slip['id']}/receive", as_user="qiwan_clerk"), 403, "forbidden")
    road = api.get("/halls/dongqu/transfers", as_user="dongqu_clerk1").get_json()["items"]
    assert [item["id"] for item in road] == [slip["id"]]
    got = receive(api, slip["id"], as_user="dongqu_clerk1")
    assert got["received_by"] == "阮嘉敏" and got["received_at"]
    receive(api, slip["id"], as_user="dongqu_clerk1", expect=409)

    # Only 东区's approvers of the department see and decide it.
    assert no not in listed(api, "approver_scjg")
    api.fire(no, "claim", "approver_scjg", expect=403, error="forbidden")
    assert_error(api.get(f"/cases/{no}", as_user="approver_scjg"), 403, "forbidden")
    assert no in listed(api, "dongqu_approver_scjg")
    api.fire(no, "claim", as_user="dongqu_approver_scjg")
    api.fire(no, "approve", as_user="dongqu_approver_scjg", note=OPINION)
    api.fire(no, "notify_pickup", as_user="dongqu_approver_scjg")

    # On to the pickup hall: 东区 sends, 起湾 receives.
    onward = send(api, no, "qiwan", as_user="dongqu_clerk1")
    assert onward["from_hall"] == "dongqu"
    receive(api, onward["id"], as_user="qiwan_clerk")
    slips = api.get(f"/cases/{no}/transfers", as_user="qiwan_clerk").get_json()["items"]
    assert [(s["from_hall"], s["to_hall"]) for s in slips] == [("caihong", "dongqu"), ("dongqu", "qiwan")]

    # The applicant is told where; the pickup hall's board and pickup search find it.
    ready = sms("case_result_ready")
    assert len(ready) == 1 and QIWAN in ready[0]["text"] and "起湾道" in ready[0]["text"]
    progress = api.get(f"/public/cases/{no}?phone={APPLICANT_PHONE}").get_json()
    assert progress["delivery"]["hall_name"] == QIWAN and "起湾道" in progress["delivery"]["hall_address"]
    assert progress["jurisdiction_name"] == "中山市东区行政服务中心"
    board = api.get("/halls/qiwan/board").get_json()
    assert [item["case_no"] for item in board["ready"]] == [no]
    assert api.get("/halls/caihong/board").get_json()["ready"] == []
    found = api.get("/cases?state=ready_for_pickup&hall=qiwan", as_user="qiwan_clerk").get_json()
    assert [item["case_no"] for item in found["items"]] == [no]

    # Handed over by the pickup hall's clerk only.
    refused = api.post(
        f"/cases/{no}/transitions",
        json={
            "trigger": "deliver",
            "data": {"collector": {"kind": "self", "id_number": APPLICANT_ID, "id_checked": True}},
        },
        as_user="caihong_clerk",
    )
    assert_error(refused, 403, "forbidden")
    assert api.fire(no, "deliver", as_user="qiwan_clerk")["state"] == "delivered"

    # Counted as 同城办 where it was accepted.
    figures = api.get("/halls/caihong/stats", as_user="supervisor_caihong").get_json()["cases"]
    assert figures["by_mode"]["citywide"] == 1 and figures["citywide"] == 1


def test_a_case_of_the_own_district_is_not_citywide(api):
    """Does a case accepted, decided and collected in 西区 keep 西区's department and count no 同城办?"""
    case = api.open_case(service="SCJG-001", mode="citywide", delivery={"method": "pickup"})
    assert case["jurisdiction"] == "xiqu" and case["department"] == "scjg"
    community = api.post("/cases", json=body(jurisdiction=None, delivery=None), as_user="caihong_clerk")
    assert community.get_json()["jurisdiction"] == "xiqu"  # walked up from the community
    figures = api.get("/halls/xiqu/stats?include=children", as_user="supervisor1").get_json()["cases"]
    assert figures["by_mode"]["citywide"] == 2 and figures["citywide"] == 0


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"jurisdiction": "caihong"}, "jurisdiction"),
        ({"jurisdiction": "nowhere"}, "jurisdiction"),
        ({"delivery": {"method": "pickup", "hall": "nowhere"}}, "delivery.hall"),
    ],
)
def test_bad_halls_are_400_and_change_nothing(api, fields, field):
    """Is a jurisdiction that is no district, or a pickup hall that does not exist, refused naming it?"""
    details = assert_error(
        api.post("/cases", json=body(**fields), as_user="caihong_clerk"), 400, "invalid_request"
    )
    assert list(details["fields"]) == [field]
    assert api.get("/cases", as_user="admin").get_json()["total"] == 0


def test_files_on_the_road_too_long_are_found(api, app):
    """Is a slip not received within the allowed working days found for the supervisor, and no other?"""
    no = open_citywide(api)["case_no"]
    slip = send(api, no, "dongqu", as_user="caihong_clerk")
    with app.app_context():
        row = db.session.get(CaseTransfer, slip["id"])
        assert overdue_slips([row.from_hall_id]) == []
        later = row.sent_at + timedelta(days=7)  # a week on: more than two working days
        assert [s.id for s in overdue_slips([row.to_hall_id], later)] == [slip["id"]]


def test_supervisors_see_the_files_on_the_road_too_long(api):
    """Does the overdue route list a slip after two working days for its halls' supervisors, by branch?"""
    no = open_citywide(api)["case_no"]
    slip = send(api, no, "dongqu", as_user="caihong_clerk")
    path = "/halls/caihong/transfers/overdue"
    fresh = api.get(path, as_user="supervisor_caihong").get_json()
    assert (fresh["items"], fresh["allowed_workdays"], fresh["halls"]) == ([], 2, ["caihong"])

    clock.freeze(clock.frozen_at() + timedelta(days=7))  # Monday to Monday: five working days on the road
    late = api.get(path, as_user="supervisor_caihong").get_json()["items"]
    assert [(s["id"], s["case_no"], s["from_hall"], s["to_hall"]) for s in late] == [
        (slip["id"], no, "caihong", "dongqu")
    ]
    assert late[0]["workdays"] == 5 and late[0]["received_at"] is None
    east = api.get("/halls/dongqu/transfers/overdue", as_user="supervisor_dongqu").get_json()
    assert [s["id"] for s in east["items"]] == [slip["id"]]

    # 西区's supervisor: nothing at the district hall alone, the slip with its branch.
    alone = api.get("/halls/xiqu/transfers/overdue", as_user="supervisor1").get_json()
    assert alone["items"] == [] and alone["halls"] == ["xiqu"]
    branch = api.get("/halls/xiqu/transfers/overdue?include=children", as_user="supervisor1").get_json()
    assert [s["id"] for s in branch["items"]] == [slip["id"]] and branch["halls"][:2] == ["xiqu", "caihong"]

    # Received: no longer overdue. Other districts, clerks and unknown halls are refused.
    receive(api, slip["id"], as_user="dongqu_clerk1")
    assert api.get(path, as_user="supervisor_caihong").get_json()["items"] == []
    assert_error(api.get("/halls/dongqu/transfers/overdue", as_user="supervisor_caihong"), 403, "forbidden")
    assert_error(api.get("/halls/xiqu/transfers/overdue", as_user="supervisor_caihong"), 403, "forbidden")
    assert_error(api.get(path, as_user="caihong_clerk"), 403, "forbidden")
    assert_error(api.get("/halls/nowhere/transfers/overdue", as_user="supervisor1"), 404, "not_found")
    assert_error(api.get(f"{path}?include=all", as_user="supervisor_caihong"), 400, "invalid_request")
