"""好差评 by SMS (issue #17): a finished ticket with a phone, and a case whose result is handed over, text
the applicant a link that rates it with nothing to type (SQLite and PostgreSQL)."""

import json
import re
from urllib.parse import parse_qs, urlsplit

from tests.conftest import APPLICANT_PHONE
from tests.supervision.test_ratings_api import delivered_case

PHONE = "13912345678"
OPINION = "材料齐全，符合法定条件，准予许可。"


def link_in(text: str) -> str:
    return re.search(r"https?://\S+", text).group(0)


def page_config(client, url: str, element: str) -> dict:
    parts = urlsplit(url)
    answer = client.get(parts.path + "?" + parts.query)
    assert answer.status_code == 200
    found = re.search(
        rf'<script type="application/json" id="{element}">(.*?)</script>', answer.get_data(as_text=True), re.S
    )
    return json.loads(found.group(1))


def serve(api, ticket: dict, clerk: str = "clerk1") -> None:
    window_id = api.open_window(1, as_user=clerk)
    assert api.post(f"/windows/{window_id}/call-next", as_user=clerk).get_json()["id"] == ticket["id"]
    api.post(f"/tickets/{ticket['id']}/start", as_user=clerk)
    assert api.post(f"/tickets/{ticket['id']}/finish", as_user=clerk).status_code == 200


def test_a_finished_ticket_texts_a_link_that_rates_it(api, client, sms):
    """Does finishing a ticket with a phone text its status page with the rating token, which then rates?"""
    ticket = api.take(phone=PHONE)
    serve(api, ticket)
    [message] = sms("rating_invited")
    assert message["phone"] == PHONE
    assert message["text"].startswith(
        "【中山市西区行政服务中心】您的" + ticket["number"] + "号业务已办理完毕"
    )
    link = link_in(message["text"])
    assert urlsplit(link).path == f"/t/{ticket['id']}"
    [token] = parse_qs(urlsplit(link).query)["k"]
    assert token == ticket["rating_token"]
    # The page the link opens offers rating with the token (as the QR code's does): that rating counts.
    assert page_config(client, link, "status-config")["rating_token"] == ticket["rating_token"]
    answer = api.post("/ratings", json={"ticket_id": ticket["id"], "token": token, "grade": 5})
    assert answer.status_code == 201, answer.get_json()


def test_a_ticket_without_a_phone_or_not_finished_texts_nothing(api, sms):
    """Is no invitation sent for a ticket without a phone, nor for one marked no-show?"""
    serve(api, api.take())
    with_phone = api.take(phone=PHONE)
    window_id = api.open_window(1, as_user="clerk1")
    assert api.post(f"/windows/{window_id}/call-next", as_user="clerk1").get_json()["id"] == with_phone["id"]
    assert api.post(f"/tickets/{with_phone['id']}/no_show", as_user="clerk1").status_code == 200
    assert sms("rating_invited") == []


def test_a_handed_over_case_texts_a_link_that_rates_it_without_the_phone(api, client, sms):
    """Does handing a result over text a progress link that opens the case with its phone, and rates?"""
    no = api.open_case(delivery={"method": "pickup"})["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    api.fire(no, "claim", as_user="approver_scjg")
    api.fire(no, "approve", as_user="approver_scjg", note=OPINION)
    api.fire(no, "notify_pickup", as_user="clerk1")
    assert sms("case_rating_invited") == []
    api.fire(no, "deliver", as_user="clerk2")
    [message] = sms("case_rating_invited")
    assert message["phone"] == APPLICANT_PHONE and no in message["text"]
    link = link_in(message["text"])
    assert urlsplit(link).path == f"/progress/{no}"
    config = page_config(client, link, "progress-config")
    assert config["case_no"] == no and config["phone"] == APPLICANT_PHONE
    # Without the token, or with another case's, the page knows no phone.
    assert page_config(client, f"/progress/{no}", "progress-config")["phone"] is None
    other = delivered_case(api)["case_no"]
    other_link = link_in(sms("case_rating_invited")[-1]["text"])
    assert urlsplit(other_link).path == f"/progress/{other}"  # completed on the spot: invited too
    forged = f"/progress/{no}?{urlsplit(other_link).query}"
    assert page_config(client, forged, "progress-config")["phone"] is None
    answer = api.post("/ratings", json={"case_no": no, "phone": config["phone"], "grade": 4})
    assert answer.status_code == 201, answer.get_json()
