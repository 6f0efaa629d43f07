"""Ratings that prove who rates: a ticket's rating token, a case's applicant phone, and the ticket's QR
code and printable page that hold the token (issue #17 item 3)."""

import json
import re

import pytest

from tests.conftest import APPLICANT_PHONE, assert_error
from tests.supervision.test_ratings_api import delivered_case, finished_ticket

OPINION = "材料齐全，符合法定条件，准予许可。"


def test_the_issuing_answer_alone_carries_the_token(api):
    """Does the answer that issues a ticket carry its rating token, and the ticket's own answer not?"""
    ticket = api.take()
    assert re.fullmatch(r"[0-9a-f]{32}", ticket["rating_token"])
    assert api.take()["rating_token"] != ticket["rating_token"]
    assert "rating_token" not in api.get(f"/tickets/{ticket['id']}").get_json()


@pytest.mark.parametrize("token, why", [(None, "missing"), ("", "missing"), ("0" * 32, "wrong")])
def test_a_ticket_without_its_token_is_refused(api, token, why):
    """Is a rating without the ticket's token, or with a wrong one, a 403 forbidden saying which?"""
    ticket = finished_ticket(api)
    body = {"ticket_id": ticket["id"], "grade": 5} | ({} if token is None else {"token": token})
    details = assert_error(api.post("/ratings", json=body), 403, "forbidden")
    assert details == {"token": why}
    assert api.post("/ratings", json={**body, "token": ticket["rating_token"]}).status_code == 201


def test_another_tickets_token_is_refused(api):
    """Does one ticket's token rate no other ticket (the number alone proves nothing)?"""
    first, second = finished_ticket(api), finished_ticket(api)
    body = {"ticket_id": second["id"], "token": first["rating_token"], "grade": 1}
    assert assert_error(api.post("/ratings", json=body), 403, "forbidden") == {"token": "wrong"}
    answer = api.post("/ratings", json={**body, "token": second["rating_token"]})
    assert answer.status_code == 201 and answer.get_json()["ticket_id"] == second["id"]


@pytest.mark.parametrize("phone, why", [(None, "missing"), ("13900139000", "wrong")])
def test_a_case_without_its_applicants_phone_is_refused(api, phone, why):
    """Is a case rated without the applicant's phone, or with another, a 403 forbidden; and with it 201?"""
    case = delivered_case(api)
    body = {"case_no": case["case_no"], "grade": 4} | ({} if phone is None else {"phone": phone})
    assert assert_error(api.post("/ratings", json=body), 403, "forbidden") == {"phone": why}
    assert api.post("/ratings", json={**body, "phone": APPLICANT_PHONE}).status_code == 201


@pytest.mark.parametrize(
    "reason, comment, stored",
    [
        ("等候时间长", "排队一个多小时", "【等候时间长】排队一个多小时"),
        ("服务态度差", None, "【服务态度差】"),
        ("多次跑动", "【多次跑动】来了三次", "【多次跑动】来了三次"),  # already headed: not twice
    ],
)
def test_the_reason_heads_the_comment(api, reason, comment, stored):
    """Is a bad grade's reason put at the head of the comment, once?"""
    ticket = finished_ticket(api)
    body = {"ticket_id": ticket["id"], "token": ticket["rating_token"], "grade": 1, "reason": reason}
    answer = api.post("/ratings", json=body | ({"comment": comment} if comment else {}))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["comment"] == stored


def test_an_unknown_reason_is_400(api):
    ticket = finished_ticket(api)
    body = {"ticket_id": ticket["id"], "token": ticket["rating_token"], "grade": 1, "reason": "太热"}
    assert "reason" in assert_error(api.post("/ratings", json=body), 400, "invalid_request")["fields"]


def test_a_case_rating_is_charged_to_the_clerk_who_handed_it_over(api):
    """Is a case's bad rating charged to the clerk who handed the result over, not its intake clerk?"""
    no = api.open_case(delivery={"method": "pickup"})["case_no"]  # taken in by clerk1
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    api.fire(no, "notify_pickup", as_user="clerk1")
    api.fire(no, "deliver", as_user="clerk2")
    body = {"case_no": no, "phone": APPLICANT_PHONE, "grade": 1, "reason": "多次跑动", "comment": "跑了三次"}
    rating = api.post("/ratings", json=body).get_json()
    item = api.get(f"/rectifications/{rating['rectification']['id']}", as_user="supervisor1").get_json()
    assert item["rating"]["clerk"]["username"] == "clerk2"
    assert item["rating"]["comment"] == "【多次跑动】跑了三次"


def test_a_case_handed_over_by_nobody_is_charged_to_its_intake_clerk(api):
    """Is a 马上办 case completed on the spot (no hand-over) charged to the clerk who took it in?"""
    case = delivered_case(api)
    body = {
        "case_no": case["case_no"],
        "phone": APPLICANT_PHONE,
        "grade": 2,
        "reason": "其他",
        "comment": "慢",
    }
    rating = api.post("/ratings", json=body).get_json()
    item = api.get(f"/rectifications/{rating['rectification']['id']}", as_user="supervisor1").get_json()
    assert item["rating"]["clerk"]["username"] == "clerk1"


@pytest.mark.parametrize("suffix", ["qr.svg", "print"])
def test_the_qr_code_and_the_printable_ticket_need_the_token(api, client, suffix):
    """Are the ticket's QR image and printable page 404 without its token (or with a wrong one)?"""
    ticket = api.take()
    path = f"/t/{ticket['id']}/{suffix}"
    html = {"Accept": "text/html"}
    assert client.get(path, headers=html).status_code == 404
    assert client.get(f"{path}?k={'0' * 32}", headers=html).status_code == 404
    assert client.get(f"{path}?k={ticket['rating_token']}").status_code == 200


def test_the_kiosks_print_needs_the_token(app, api, client):
    """Is the kiosk's print POST 404 without the ticket's token (before the printer is looked at)?"""
    ticket = api.take()
    path = f"/kiosk/xiqu/tickets/{ticket['id']}/print"
    assert client.post(path).status_code == 404
    assert client.post(f"{path}?k={'0' * 32}").status_code == 404
    assert client.post(f"{path}?k={ticket['rating_token']}").status_code == 409  # no printer configured


def _status_config(client, path: str) -> dict:
    page = client.get(path).get_data(as_text=True)
    return json.loads(
        re.search(r'<script type="application/json" id="status-config">(.*?)</script>', page, re.S).group(1)
    )


def test_the_status_page_offers_rating_only_with_the_token(api, client):
    """Does the status page carry the rating token only when opened from the QR code's address?"""
    ticket = api.take()
    assert _status_config(client, f"/t/{ticket['id']}")["rating_token"] is None
    assert _status_config(client, f"/t/{ticket['id']}?k={'0' * 32}")["rating_token"] is None
    assert (
        _status_config(client, f"/t/{ticket['id']}?k={ticket['rating_token']}")["rating_token"]
        == ticket["rating_token"]
    )
