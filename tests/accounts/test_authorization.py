"""Authorization findings of issue 13, one test each, and the policy's scope rules
(queue_server/accounts/policy.py).

The ``staff`` fixture adds a second hall, 石岐 (``shiqi``), beside the demo's xiqu, and staff of every
role in three places: the demo department 市场监管 (scjg) of xiqu (``own``), the same department in
shiqi (``hall``), and another department, 人社 (rsj), of xiqu (``dept``): ``p_approver_hall`` is an
approver of scjg in shiqi. A user with no role (``p_none_*``) is signed in but holds nothing.
"""

import pytest

from queue_server.accounts.auth import issue_token
from queue_server.accounts.models import User
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall
from tests.conftest import assert_error, reset_runtime_data

OPINION = "材料齐全，符合法定条件，准予许可。"
SECOND_HALL = "shiqi"
ROLES = ("clerk", "approver", "supervisor", "agent", "admin", "none")
# Where each scope's users work: (hall, department).
SCOPES = {"own": ("xiqu", "scjg"), "hall": (SECOND_HALL, "scjg"), "dept": ("xiqu", "rsj")}


def username(role: str, scope: str) -> str:
    """Name the fixture's user of a role in a scope."""
    return f"p_{role}_{scope}"


class Staff:
    """The fixture's users and their bearer tokens, and the demo users' for comparison."""

    def __init__(self, api, tokens: dict[str, str]):
        self.api = api
        self.tokens = tokens

    def headers(self, user: str | None) -> dict:
        if user is None:
            return {}
        token = self.tokens.get(user) or self.api.token(user)
        return {"Authorization": f"Bearer {token}"}

    def get(self, path: str, user: str | None):
        return self.api.client.get("/api/v1" + path, headers=self.headers(user))

    def post(self, path: str, user: str | None, json=None):
        return self.api.client.post("/api/v1" + path, json=json, headers=self.headers(user))

    def fire(self, case_no: str, trigger: str, user: str, **body):
        return self.post(f"/cases/{case_no}/transitions", user, json={"trigger": trigger, **body})


@pytest.fixture
def staff(app, api):
    """Add a hall (shiqi) and staff of every role in xiqu/scjg, shiqi/scjg and xiqu/rsj; remove them after."""
    with app.app_context():
        hall = Hall(code=SECOND_HALL, name="中山市石岐区行政服务中心", address="")
        db.session.add(hall)
        halls = {"xiqu": db.session.scalar(db.select(Hall).where(Hall.code == "xiqu")), SECOND_HALL: hall}
        departments = {
            code: db.session.scalar(db.select(Department).where(Department.code == code))
            for code in ("scjg", "rsj")
        }
        users = []
        for role in ROLES:
            for scope, (hall_code, department) in SCOPES.items():
                user = User(
                    username=username(role, scope),
                    name=f"{role}-{scope}",
                    roles=[] if role == "none" else [role],
                    hall=halls[hall_code],
                    department=departments[department],
                )
                user.password_hash = "!"  # never signs in with a password: the test mints its token
                users.append(user)
        db.session.add_all(users)
        db.session.commit()
        tokens = {user.username: issue_token(user) for user in users}
    yield Staff(api, tokens)
    with app.app_context():
        reset_runtime_data()  # cases and tickets may name the hall and its users
        db.session.execute(db.delete(User).where(User.username.like("p\\_%", escape="\\")))
        db.session.execute(db.delete(Hall).where(Hall.code == SECOND_HALL))
        db.session.commit()


def _in_approval(api) -> str:
    """Open a 食品经营许可 case at xiqu (市场监管) and accept it: it waits for an approver to claim it."""
    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    return no


def _agent_case(api, agent: str) -> str:
    """File a 代理办 request (state agent_requested) as an agent of xiqu; return its number."""
    case = api.open_case(mode="agent", service="MZ-001", as_user=agent, delivery={"method": "pickup"})
    return case["case_no"]


# --- the findings ---


def test_approver_of_another_hall_may_not_claim_approve_or_read(api, staff):
    """Finding: may an approver of the department in another hall claim or approve a case? (403, as GET)"""
    no = _in_approval(api)
    stranger = username("approver", "hall")
    assert_error(staff.fire(no, "claim", stranger), 403, "forbidden")
    assert_error(staff.get(f"/cases/{no}", stranger), 403, "forbidden")
    assert staff.get("/cases", stranger).get_json()["total"] == 0

    api.fire(no, "claim", as_user="approver_scjg")
    answer = staff.fire(no, "reassign", "approver_scjg", data={"assignee": stranger})
    assert "data.assignee" in assert_error(answer, 400, "invalid_request")["fields"]
    assert_error(staff.fire(no, "approve", stranger, note=OPINION), 403, "forbidden")
    assert api.get(f"/cases/{no}", as_user="admin").get_json()["state"] == "reviewing"

    colleague = username("approver", "own")  # the same department in the same hall may
    assert staff.fire(no, "reassign", "approver_scjg", data={"assignee": colleague}).status_code == 200
    assert staff.fire(no, "approve", colleague, note=OPINION).get_json()["state"] == "approved"


def test_agent_may_not_withdraw_a_clerks_case(api, staff):
    """Finding: may an agent withdraw a case a clerk took in? (403) Their own they may."""
    no = api.open_case()["case_no"]
    assert_error(staff.fire(no, "withdraw", "agent1"), 403, "forbidden")
    assert api.get(f"/cases/{no}", as_user="clerk1").get_json()["state"] == "submitted"

    own = _agent_case(api, "agent1")
    api.fire(own, "assign_agent", as_user="agent1")
    assert staff.fire(own, "withdraw", "agent1").get_json()["state"] == "withdrawn"


def test_agents_see_only_their_own_cases_and_the_halls_requests(api, staff):
    """Finding: do agents see only the cases they filed or were given, their hall's requests (files too)?"""
    clerks = api.open_case()["case_no"]
    mine = _agent_case(api, "agent1")
    given = _agent_case(api, "agent2")
    api.fire(given, "assign_agent", as_user="supervisor1", data={"agent": "agent1"})
    request = _agent_case(api, "agent2")
    theirs = _agent_case(api, "agent2")
    api.fire(theirs, "assign_agent", as_user="agent2")

    listed = staff.get("/cases", "agent1").get_json()
    assert sorted(case["case_no"] for case in listed["items"]) == sorted([mine, given, request])
    assert listed["total"] == 3
    waiting = staff.get("/cases?state=agent_requested", "agent1").get_json()["items"]
    assert sorted(case["case_no"] for case in waiting) == sorted([mine, request])
    for other in (clerks, theirs):
        assert_error(staff.get(f"/cases/{other}", "agent1"), 403, "forbidden")
        assert_error(staff.get(f"/cases/{other}/files", "agent1"), 403, "forbidden")
        assert_error(staff.get(f"/cases/{other}/files/1", "agent1"), 403, "forbidden")
    assert staff.get(f"/cases/{mine}/files", "agent1").status_code == 200
    # An agent of another hall sees none of xiqu's requests.
    assert staff.get("/cases", username("agent", "hall")).get_json()["total"] == 0


def test_ticket_history_is_for_clerks_and_supervisors_of_its_hall(api, staff):
    """Finding: may staff of another hall (or an approver) read a ticket's history? (403)"""
    ticket = api.take()
    for user in (username("clerk", "hall"), username("supervisor", "hall"), "approver_scjg", "agent1"):
        assert_error(staff.get(f"/tickets/{ticket['id']}/history", user), 403, "forbidden")
    for user in ("clerk1", "supervisor1", username("admin", "hall")):
        assert staff.get(f"/tickets/{ticket['id']}/history", user).get_json()[0]["trigger"] == "issue"


def test_department_approvers_are_listed_to_its_approvers_of_the_district(api, staff):
    """Finding: may staff of any hall list a department's approvers? Only its approvers, of their district."""
    for user in ("clerk1", "supervisor1", "agent1", "approver_rsj", username("clerk", "hall")):
        assert_error(staff.get("/departments/scjg/approvers", user), 403, "forbidden")

    def names(user: str) -> list[str]:
        return [a["username"] for a in staff.get("/departments/scjg/approvers", user).get_json()]

    # An administrator holds every role: the one of scjg in xiqu is listed too.
    assert names("approver_scjg") == ["approver_scjg", username("admin", "own"), username("approver", "own")]
    assert names(username("approver", "hall")) == [username("admin", "hall"), username("approver", "hall")]
    assert username("approver", "hall") in names("admin")  # the administrator acts on every hall


# --- the other rules the policy holds ---


def test_case_notices_reach_staff_who_may_read_cases_not_agents(app, api, staff, client):
    """Are an agent's and a role-less user's screens kept out of the hall's case notices, the clerk's not?"""
    from queue_server.extensions import socketio

    screens = {
        user: socketio.test_client(
            app, auth={"token": staff.tokens.get(user) or api.token(user)}, flask_test_client=client
        )
        for user in ("clerk1", "agent1", username("none", "own"))
    }
    try:
        for user, connection in screens.items():
            assert connection.emit("subscribe", {"hall": "xiqu"}, callback=True)["hall"] == "xiqu", user
            connection.get_received()
        api.open_case()
        heard = {user: [item["name"] for item in screen.get_received()] for user, screen in screens.items()}
        assert "case_updated" in heard["clerk1"]
        assert "case_updated" not in heard["agent1"] and "case_updated" not in heard[username("none", "own")]

        window = api.window_id(1)
        ack = screens["agent1"].emit("subscribe", {"window": window}, callback=True)
        assert ack["window"]["id"] == window  # hall staff may watch a window …
        api.open_case()
        # … but not the case notices
        assert "case_updated" not in [item["name"] for item in screens["agent1"].get_received()]
        ack = screens[username("none", "own")].emit("subscribe", {"window": window}, callback=True)
        assert ack["error"]["code"] == "forbidden"
    finally:
        for connection in screens.values():
            connection.disconnect()


def test_administrator_acts_on_every_hall(api, staff):
    """Does an administrator of another hall act here (CONTRACT.md: admin acts on every hall)?"""
    admin = username("admin", "hall")
    no = _in_approval(api)
    assert staff.get("/halls/xiqu/monitor", admin).status_code == 200
    assert staff.fire(no, "claim", admin).get_json()["assignee"]["username"] == admin
    assert staff.get("/cases", admin).get_json()["total"] >= 1


def test_role_less_user_may_do_nothing(api, staff):
    """Is a signed-in user without a role refused every staff list (403), and shown no case?"""
    user = username("none", "own")
    for path in ("/cases", "/halls/xiqu/windows", "/rectifications", "/departments/scjg/approvers"):
        assert_error(staff.get(path, user), 403, "forbidden")


def test_screens_follow_the_policy(app, staff):
    """Do the screens' server views refuse what the policy refuses (another hall's supervision, a window)?"""
    with app.app_context():
        window_id = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu")).windows[0].id

    def page(user: str, path: str) -> int:
        browser = app.test_client()
        with browser.session_transaction() as session:
            with app.app_context():
                session["_user_id"] = db.session.scalar(db.select(User).where(User.username == user)).get_id()
            session["_fresh"] = True
        return browser.get(path).status_code

    assert page(username("supervisor", "own"), "/supervisor/?hall_code=xiqu") == 200
    assert page(username("supervisor", "hall"), "/supervisor/?hall_code=xiqu") == 403
    assert page(username("supervisor", "hall"), "/reports/monthly?hall_code=xiqu") == 403
    assert page(username("admin", "hall"), "/reports/monthly?hall_code=xiqu") == 200
    assert page(username("clerk", "own"), f"/window/{window_id}") == 200
    assert page(username("agent", "own"), f"/window/{window_id}") == 403
    assert page(username("clerk", "hall"), "/windows/xiqu") == 403
    assert page(username("approver", "own"), "/backoffice/") == 200
    assert page(username("agent", "own"), "/backoffice/") == 403
