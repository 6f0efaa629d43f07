"""在线咨询: ask about an item, a consultant answers by SMS, public answers make the item's FAQ; figures."""

import pytest

from queue_server.realtime import events
from tests.conftest import assert_error, web_login

ITEM = "SCJG-006"
PHONE = "13800138000"


@pytest.fixture
def sent(monkeypatch):
    """Collect the SMS handed to the notifier."""
    messages = []
    monkeypatch.setattr(events, "deliver", lambda batch: messages.extend(batch or []))
    return messages


def ask(api, code: str = ITEM, **body):
    fields = {"name": "张三", "phone": PHONE, "question": "需要带营业执照原件吗？", **body}
    return api.post(
        f"/services/{code}/consultations", json={k: v for k, v in fields.items() if v is not None}
    )


def asked(api, **body) -> dict:
    answer = ask(api, **body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_ask_answer_by_sms_and_faq(api, advance, sent):
    question = asked(api)
    assert question["state"] == "open" and question["service"] == ITEM
    assert question["name"] == "张*" and question["phone"] != PHONE
    private = asked(api, question="我的个人情况能办吗？")

    listing = api.get("/consultations", as_user="consult1").get_json()
    assert [row["id"] for row in listing["items"]] == [question["id"], private["id"]]
    assert listing["total"] == 2

    advance(30)
    done = api.post(
        f"/consultations/{question['id']}/answer",
        json={"answer": "需要带营业执照原件和复印件各一份。", "public": True},
        as_user="consult1",
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "answered" and done.get_json()["answered_by"] == "梁晓雯"
    events.flush(5)
    texts = [m.text for m in sent if m.kind == "consultation_answered"]
    assert len(texts) == 1 and sent[-1].phone == PHONE and "营业执照原件和复印件" in texts[0]

    api.post(
        f"/consultations/{private['id']}/answer",
        json={"answer": "请携带身份证到窗口咨询。", "public": False},
        as_user="consult1",
    )
    faq = api.get(f"/services/{ITEM}/faq").get_json()
    assert faq == [
        {
            "question": "需要带营业执照原件吗？",
            "answer": "需要带营业执照原件和复印件各一份。",
            "answered_at": done.get_json()["answered_at"],
        }
    ]
    assert api.get("/consultations", as_user="consult1").get_json()["total"] == 0
    answered = api.get("/consultations?state=answered", as_user="consult1").get_json()
    assert answered["total"] == 2

    again = api.post(
        f"/consultations/{question['id']}/answer", json={"answer": "再答一次"}, as_user="consult1"
    )
    assert_error(again, 409, "conflict")

    figures = api.get("/consultations/figures", as_user="supervisor1").get_json()
    assert figures["questions"] == 2 and figures["answered"] == 2 and figures["open"] == 0
    assert figures["median_answer_s"] == 1800 and figures["p95_answer_s"] == 1800


def test_ask_about_a_bundle(api):
    """A 主题式 一件事 is asked about like any item, from its guide."""
    question = asked(api, code="YJS-001", question="开餐馆要先办哪一项？")
    assert question["service"] == "YJS-001" and question["state"] == "open"
    assert api.get("/services/YJS-001/faq").get_json() == []


def test_bad_questions(api):
    assert assert_error(ask(api, phone=None), 400, "invalid_request")["fields"].keys() >= {"phone"}
    assert "phone" in assert_error(ask(api, phone="12345"), 400, "invalid_request")["fields"]
    assert "question" in assert_error(ask(api, question=""), 400, "invalid_request")["fields"]
    assert_error(ask(api, code="NO-SUCH-ITEM"), 404, "not_found")
    assert_error(api.get("/services/NO-SUCH-ITEM/faq"), 404, "not_found")


def test_who_answers(api):
    question = asked(api)
    assert_error(api.get("/consultations"), 401, "unauthorized")
    assert_error(api.get("/consultations", as_user="clerk1"), 403, "forbidden")
    refused = api.post(
        f"/consultations/{question['id']}/answer", json={"answer": "可以办理"}, as_user="clerk1"
    )
    assert_error(refused, 403, "forbidden")
    assert_error(api.get("/consultations/figures", as_user="clerk1"), 403, "forbidden")
    missing = api.post("/consultations/999999/answer", json={"answer": "可以办理"}, as_user="consult1")
    assert_error(missing, 404, "not_found")
    assert api.get("/consultations", as_user="admin").status_code == 200
    assert api.get("/consultations/figures", as_user="consult1").status_code == 200


def test_consult_screen_is_for_consultants(app):
    """Is /consult/ a consultant's page (sign-in first, 403 for other staff), never cached?"""
    anonymous = app.test_client()
    assert anonymous.get("/consult/").status_code == 302
    clerk = app.test_client()
    web_login(clerk, "clerk1")
    assert clerk.get("/consult/").status_code == 403
    consultant = app.test_client()
    web_login(consultant, "consult1")
    page = consultant.get("/consult/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "在线咨询答复" in page.get_data(as_text=True)


def test_demo_questions(app, api):
    """Does the demo load public answers for the guides and one open question, once?"""
    from queue_server.demo_consultations import load_consultations
    from queue_server.extensions import db

    with app.app_context():
        load_consultations()
        load_consultations()
        db.session.commit()
    assert len(api.get("/services/SCJG-006/faq").get_json()) == 2
    assert api.get("/consultations", as_user="consult1").get_json()["total"] == 1
    figures = api.get("/consultations/figures?from=2026-11-01", as_user="consult1").get_json()
    assert figures["questions"] == 5 and figures["answered"] == 4
