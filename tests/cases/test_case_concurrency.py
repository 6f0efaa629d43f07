"""Race tests on the real databases: approvers claiming one case at once, clerks opening cases at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from queue_server.accounts.models import User
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall
from tests.conftest import Api, reset_runtime_data

APPROVERS = 8


@pytest.fixture
def approvers(app) -> list[str]:
    """Eight approvers of 市场监管 (the demo has one), removed afterwards."""
    names = [f"approver_scjg_{n}" for n in range(APPROVERS)]
    with app.app_context():
        department = db.session.scalar(db.select(Department).where(Department.code == "scjg"))
        hall = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu"))
        for name in names:
            user = User(username=name, name=name, roles=["approver"], hall=hall, department=department)
            user.set_password("demo")
            db.session.add(user)
        db.session.commit()
    yield names
    with app.app_context():
        reset_runtime_data()
        db.session.execute(db.delete(User).where(User.username.in_(names)))
        db.session.commit()


def test_two_claims_at_once_one_wins(app, api, approvers):
    """When 8 approvers claim the same case at the same instant, does exactly one win and the rest hear who
    did?"""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    headers = {name: api.headers(name) for name in approvers}
    start = threading.Barrier(APPROVERS)

    def claim(name: str):
        client = app.test_client()
        start.wait()
        return name, client.post(
            f"/api/v1/cases/{no}/transitions", json={"trigger": "claim"}, headers=headers[name]
        )

    with ThreadPoolExecutor(APPROVERS) as pool:
        answers = list(pool.map(claim, approvers))

    winners = [name for name, answer in answers if answer.status_code == 200]
    losers = [answer for _, answer in answers if answer.status_code != 200]
    assert len(winners) == 1
    for answer in losers:
        assert answer.status_code == 409
        body = answer.get_json()["error"]
        assert body["code"] == "invalid_transition" and body["details"]["state"] == "reviewing"
        assert winners[0] in body["message"]  # the loser is told who holds the case
    case = api.get(f"/cases/{no}", as_user="admin").get_json()
    assert case["assignee"]["username"] == winners[0]
    assert [entry["trigger"] for entry in case["history"]].count("claim") == 1


def test_concurrent_intake_never_shares_a_case_number(app):
    """Do 8 clerks opening cases at once get distinct, gap-free case numbers?"""
    api = Api(app.test_client())
    headers = api.headers("clerk1")
    start = threading.Barrier(8)

    def open_cases(_):
        client, numbers = app.test_client(), []
        start.wait()
        for _ in range(5):
            local = Api(client)
            local.tokens["clerk1"] = headers["Authorization"].split()[1]
            numbers.append(local.open_case()["case_no"])
        return numbers

    with ThreadPoolExecutor(8) as pool:
        numbers = sorted(n for batch in pool.map(open_cases, range(8)) for n in batch)
    assert numbers == [f"XIQU-20261130-{n:04d}" for n in range(1, 41)]
