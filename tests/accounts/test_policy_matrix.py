"""Who may do what, as a matrix: every staff operation of the served spec × every role × where the user works.

The table below declares, once per operation, who is allowed and where: in the target's hall
(``HALL``: own or another department), in the target's department of its district (``DEPARTMENT``), or
anywhere. The targets all lie in the demo hall xiqu and its department 市场监管 (scjg); the users come
from the ``staff`` fixture: ``own`` (xiqu, scjg), ``hall`` (another hall, scjg) and ``dept`` (xiqu,
another department). Each cell is one request: "allowed" is any answer but 401/403 (the made-up bodies
may well be 400, 404 or 409, after the rule let them through), "refused" is 403 ``forbidden``; without a
token every staff operation is 401. An operation of the spec the table does not declare fails the suite.
"""

from dataclasses import dataclass, field

from queue_server.extensions import db
from queue_server.queue.models import Hall
from tests.accounts.test_authorization import ROLES, SCOPES, staff, username  # noqa: F401 (staff: the fixture)
from tests.conftest import APPLICANT_ID, APPLICANT_PHONE

HALL = ("own", "dept")  # the target's hall, whatever the user's department
DEPARTMENT = ("own",)  # the target's department, in the district that decides it
EVERYWHERE = ("own", "hall", "dept")


def rule(**roles: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Declare where each role is allowed: an administrator everywhere, a user without a role nowhere."""
    return {"admin": EVERYWHERE, **roles}


@dataclass
class Operation:
    """An operation's rule, and what its one request per cell sends."""

    allowed: dict[str, tuple[str, ...]]
    body: dict | None = None
    query: str = ""
    note: str = field(default="", compare=False)


ANYONE = {role: EVERYWHERE for role in ROLES}  # signed in, with or without a role
CLERKS = rule(clerk=HALL)
SUPERVISORS = rule(supervisor=HALL)
# Who reads a case: its hall's clerks and supervisors, its department's approvers of the district; an
# agent only the cases they filed or were given (the target was filed by a clerk).
CASE_READERS = rule(clerk=HALL, supervisor=HALL, approver=DEPARTMENT)

STAFF_OPERATIONS: dict[tuple[str, str], Operation] = {
    ("get", "/halls/{hall_code}/windows"): Operation(
        rule(clerk=HALL, approver=HALL, supervisor=HALL, agent=HALL)
    ),
    ("get", "/tickets/{ticket_id}/history"): Operation(rule(clerk=HALL, supervisor=HALL)),
    ("post", "/tickets/{ticket_id}/{trigger}"): Operation(
        CLERKS, {"queue": "shsd"}, note="a transfer to its own queue: 400"
    ),
    ("post", "/windows/{window_id}/call-next"): Operation(CLERKS, note="the window is closed: 409"),
    ("post", "/windows/{window_id}/status"): Operation(CLERKS, {"status": "closed"}),
    ("get", "/windows/{window_id}/desk"): Operation(CLERKS),
    ("post", "/cases"): Operation(
        rule(clerk=HALL, agent=HALL),
        {
            "service": "NO-SUCH-ITEM",
            "hall": "xiqu",
            "mode": "once",
            "applicant": {"name": "张三", "id_number": APPLICANT_ID, "phone": APPLICANT_PHONE},
        },
        note="an unknown item: 400",
    ),
    ("get", "/cases"): Operation(
        rule(clerk=EVERYWHERE, approver=EVERYWHERE, supervisor=EVERYWHERE, agent=EVERYWHERE),
        note="each sees the cases of their own scope",
    ),
    ("get", "/cases/{case_no}"): Operation(CASE_READERS),
    ("post", "/cases/{case_no}/transitions"): Operation(
        rule(approver=DEPARTMENT), {"trigger": "approve"}, note="the own approver's case; no opinion: 400"
    ),
    ("get", "/cases/{case_no}/documents/{kind}"): Operation(CASE_READERS, note="no such document: 404"),
    ("get", "/departments/{code}/approvers"): Operation(
        rule(approver=("own", "hall")), note="each sees the department's approvers of their district"
    ),
    ("get", "/rectifications"): Operation(SUPERVISORS, query="?hall=xiqu"),
    ("get", "/rectifications/{rectification_id}"): Operation(SUPERVISORS),
    ("post", "/rectifications/{rectification_id}/assign"): Operation(
        SUPERVISORS, {"assignee": "nobody-here"}, note="an unknown assignee: 400"
    ),
    ("post", "/rectifications/{rectification_id}/follow-up"): Operation(
        SUPERVISORS, {"note": "跟进"}, note="not assigned yet: 409"
    ),
    ("post", "/rectifications/{rectification_id}/close"): Operation(SUPERVISORS, {"action": "已整改"}),
    ("get", "/halls/{hall_code}/stats"): Operation(SUPERVISORS),
    # 代理办: the roster and the figures per agent are the hall's supervisors' (and the halls above).
    # 流转单: a case's slips are read by its readers; the hall holding the file sends it (to itself: 400),
    # a clerk of the receiving hall receives it; a hall's slips are its staff's.
    ("get", "/cases/{case_no}/transfers"): Operation(CASE_READERS),
    ("post", "/cases/{case_no}/transfers"): Operation(CLERKS, {"to": "xiqu"}, note="already there: 400"),
    ("post", "/transfers/{slip_id}/receive"): Operation(rule(clerk=EVERYWHERE), note="no such slip: 404"),
    ("get", "/halls/{hall_code}/transfers"): Operation(
        rule(clerk=HALL, approver=HALL, supervisor=HALL, agent=HALL)
    ),
    # Files on the road too long: the supervisors of the hall (and of the halls above it).
    ("get", "/halls/{hall_code}/transfers/overdue"): Operation(SUPERVISORS, query="?include=children"),
    ("get", "/halls/{hall_code}/agents"): Operation(SUPERVISORS),
    ("get", "/halls/{hall_code}/agent-stats"): Operation(SUPERVISORS),
    # A visit is booked by the agent holding the case; the target was filed by a clerk: nobody's but
    # an administrator's, who then meets its state (409).
    ("post", "/cases/{case_no}/visit"): Operation(rule(), {"at": "2030-01-02T10:00"}, note="409 for admin"),
    # 在线咨询: consultants (a role of their own, held here by admin only) answer every item's questions.
    ("get", "/consultations"): Operation(rule()),
    ("post", "/consultations/{consultation_id}/answer"): Operation(
        rule(), {"answer": "可以办理"}, note="no such question: 404"
    ),
    ("get", "/consultations/figures"): Operation(rule(supervisor=EVERYWHERE)),
    ("get", "/halls/{hall_code}/queues/{queue_code}/staffing"): Operation(SUPERVISORS),
    ("get", "/cases/{case_no}/files"): Operation(CASE_READERS),
    ("get", "/cases/{case_no}/files/{file_id}"): Operation(CASE_READERS, note="no such file: 404"),
    ("get", "/halls/{hall_code}/monitor"): Operation(SUPERVISORS),
    ("get", "/halls/{hall_code}/alerts"): Operation(SUPERVISORS),
    # Administration (queue_server/admin/): administrators only among these roles (hall_admin: tests/admin/).
    # The bodies are bad or blocked, so an administrator's cell changes nothing: 400, 404 or 409.
    ("get", "/admin/halls"): Operation(rule()),
    ("post", "/admin/halls"): Operation(rule(), {}, note="no fields: 400"),
    ("patch", "/admin/halls/{hall_code}"): Operation(rule(), {"name": ""}, note="an empty name: 400"),
    ("get", "/admin/departments"): Operation(rule()),
    ("post", "/admin/departments"): Operation(rule(), {}, note="no fields: 400"),
    ("get", "/admin/halls/{hall_code}/queues"): Operation(rule()),
    ("post", "/admin/halls/{hall_code}/queues"): Operation(rule(), {}, note="no fields: 400"),
    ("delete", "/admin/halls/{hall_code}/queues/{queue_code}"): Operation(
        rule(), note="windows serve it and a ticket of today names it: 409"
    ),
    ("get", "/admin/halls/{hall_code}/windows"): Operation(rule()),
    ("post", "/admin/halls/{hall_code}/windows"): Operation(rule(), {}, note="no fields: 400"),
    ("patch", "/admin/windows/{window_id}"): Operation(
        rule(), {"queues": ["nope"]}, note="an unknown queue: 400"
    ),
    ("get", "/admin/users"): Operation(rule()),
    ("post", "/admin/users"): Operation(rule(), {}, note="no fields: 400"),
    ("patch", "/admin/users/{username}"): Operation(rule(), {"roles": ["boss"]}, note="an unknown role: 400"),
    # A staff photo (工号 and photo on the evaluator): the administrators of the user's hall.
    ("get", "/admin/users/{username}/photo"): Operation(rule(), note="no photo yet: 404"),
    ("delete", "/admin/users/{username}/photo"): Operation(rule(), note="no photo to remove: 404"),
    ("post", "/admin/users/{username}/photo"): Operation(rule(), note="no file: 400"),
    ("get", "/admin/audit"): Operation(rule()),
    ("get", "/admin/services"): Operation(rule()),
    ("post", "/admin/services"): Operation(rule(), {}, note="no fields: 400"),
    ("get", "/admin/services/export"): Operation(rule()),
    ("post", "/admin/services/import"): Operation(rule(), note="no file: 400"),
    ("get", "/admin/services/{code}"): Operation(rule(), note="no such item: 404"),
    ("patch", "/admin/services/{code}"): Operation(rule(), {"name": ""}, note="no such item: 404"),
    ("post", "/admin/services/{code}/publish"): Operation(rule(), {}, note="no such item: 404"),
    ("get", "/admin/services/{code}/versions"): Operation(rule(), note="no such item: 404"),
    ("get", "/admin/services/{code}/samples"): Operation(rule(), note="no such item: 404"),
    ("post", "/admin/services/{code}/samples"): Operation(rule(), note="no such item: 404"),
    ("delete", "/admin/services/{code}/samples/{sample_id}"): Operation(rule(), note="no such item: 404"),
    ("get", "/admin/calendar/{year}"): Operation(rule()),
    ("put", "/admin/calendar/days/{day}"): Operation(rule(), {"working": True}, note="no such date: 400"),
    ("delete", "/admin/calendar/days/{day}"): Operation(rule(), note="no such date: 400"),
    ("post", "/admin/calendar/import"): Operation(rule(), note="no file: 400"),
    # The user's own account, whatever their roles; last, as signing out revokes the token.
    ("post", "/auth/password"): Operation(
        ANYONE, {"old": "not-the-password", "new": "n3w-Passw0rd!"}, note="a wrong old password: 400"
    ),
    ("post", "/auth/logout"): Operation(ANYONE),
}

# Operations anyone may call (kiosks, boards, the citizen portal): the spec names no security for them.
PUBLIC_OPERATIONS = {
    ("post", "/auth/token"),
    ("get", "/halls"),
    ("get", "/halls/{hall_code}/queues"),
    ("get", "/halls/{hall_code}/board"),
    ("post", "/halls/{hall_code}/tickets"),
    ("get", "/halls/{hall_code}/tickets"),
    ("get", "/tickets/{ticket_id}"),
    ("get", "/calendar/deadline"),
    ("get", "/calendar"),
    ("get", "/services"),
    ("get", "/services/{code}"),
    ("get", "/public/cases/{case_no}"),
    ("get", "/halls/{hall_code}/slots"),
    ("post", "/appointments"),
    ("get", "/appointments/{code}"),
    ("delete", "/appointments/{code}"),
    ("post", "/ratings"),
    ("get", "/services/{code}/materials/{material_id}/guide"),
    ("get", "/services/{code}/samples"),
    ("get", "/services/{code}/materials/{material_id}/sample"),
    ("post", "/public/applications"),
    ("post", "/public/agent-requests"),
    ("post", "/public/applications/access"),
    ("get", "/public/applications/{case_no}"),
    ("post", "/public/applications/{case_no}/files"),
    ("get", "/public/applications/{case_no}/files/{file_id}"),
    ("delete", "/public/applications/{case_no}/files/{file_id}"),
    ("post", "/public/applications/{case_no}/submit"),
    ("post", "/public/applications/{case_no}/supplement"),
    ("post", "/public/applications/{case_no}/withdraw"),
    ("put", "/public/applications/{case_no}/delivery"),
    ("get", "/public/applications/{case_no}/documents/{kind}"),
    ("get", "/openapi.json"),
    ("get", "/healthz"),
    ("get", "/labels"),
    ("post", "/services/{code}/consultations"),
    ("get", "/services/{code}/faq"),
    ("get", "/halls/{hall_code}/publicity"),
    ("get", "/halls/{hall_code}/services"),
    ("get", "/windows/{window_id}/clerk-photo"),
    ("post", "/services/{code}/plan"),
    ("get", "/services/{code}/flow.svg"),
    ("get", "/services/{code}/guide.pdf"),
}

PREFIX = "/api/v1"


def spec_operations(client) -> dict[tuple[str, str], dict]:
    """Read the served spec: (method, path without the /api/v1 prefix) → its operation object."""
    spec = client.get(PREFIX + "/openapi.json").get_json()
    return {
        (method, path.removeprefix(PREFIX)): operation
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    }


def test_every_operation_of_the_spec_is_declared(client):
    """Is every operation of the served spec in the table: staff ones with a rule, public ones as public?"""
    operations = spec_operations(client)
    staff_ops = {key for key, operation in operations.items() if operation.get("security")}
    public_ops = set(operations) - staff_ops
    assert staff_ops - set(STAFF_OPERATIONS) == set(), "staff operations without a rule in STAFF_OPERATIONS"
    assert public_ops - PUBLIC_OPERATIONS == set(), "public operations not declared in PUBLIC_OPERATIONS"
    assert set(STAFF_OPERATIONS) - staff_ops == set(), "rules for operations the spec does not list as staff"
    assert PUBLIC_OPERATIONS - public_ops == set(), "declared public but not public (or gone) in the spec"


def _targets(app, api) -> dict:
    """Make the matrix's targets in xiqu and return the values of every path parameter."""
    window = api.open_window(1)
    ticket = api.take("shsd")
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    assert api.post(f"/tickets/{ticket['id']}/start", as_user="clerk1").status_code == 200  # serving
    rated = api.take("shsd")
    api.post(f"/windows/{api.open_window(3)}/call-next", as_user="clerk1")  # window 1 still holds `ticket`
    api.post(f"/tickets/{rated['id']}/start", as_user="clerk1")
    api.post(f"/tickets/{rated['id']}/finish", as_user="clerk1")
    answer = api.post(
        "/ratings",
        json={"ticket_id": rated["id"], "token": rated["rating_token"], "grade": 1, "comment": "等了很久"},
    )
    assert answer.status_code == 201, answer.get_json()

    case_no = api.open_case()["case_no"]  # 食品经营许可 of 市场监管 (scjg), taken in by clerk1
    api.fire(case_no, "accept", as_user="clerk1")
    with app.app_context():
        closed = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu")).windows[1]
        assert closed.status == "closed"
        closed_id = closed.id
    return {
        "hall_code": "xiqu",
        "ticket_id": ticket["id"],
        "trigger": "transfer",
        "window_id": closed_id,
        "case_no": case_no,
        "kind": "no-such-kind",
        "code": "scjg",
        "file_id": 999999,
        "sample_id": 999999,
        "rectification_id": answer.get_json()["rectification"]["id"],
        "queue_code": "shsd",
        "username": "clerk1",
        "year": 2026,
        "day": "2026-02-30",
        "consultation_id": 999999,
        "slip_id": 999999,
    }


def _send(client, method: str, path: str, headers: dict, body: dict | None):
    return client.open(path, method=method.upper(), headers=headers, json=body)


def test_every_staff_operation_for_every_role_and_place(app, api, client, staff):
    """Does every staff operation answer each role in each place as declared (and 401 without a token)?"""
    targets = _targets(app, api)
    colleague = username("approver", "own")
    claimed = staff.post(f"/cases/{targets['case_no']}/transitions", colleague, json={"trigger": "claim"})
    assert claimed.status_code == 200, claimed.get_json()  # the case now waits for its approver's opinion

    wrong, cells = [], 0
    for (method, template), operation in STAFF_OPERATIONS.items():
        path = PREFIX + template.format(**targets) + operation.query
        answer = _send(client, method, path, {}, operation.body)
        cells += 1
        if answer.status_code != 401:
            wrong.append(f"{method.upper()} {template} without a token: {answer.status_code}, expected 401")
        for role in ROLES:
            for scope in SCOPES:
                user = username(role, scope)
                answer = _send(client, method, path, staff.headers(user), operation.body)
                cells += 1
                allowed = scope in operation.allowed.get(role, ())
                status = answer.status_code
                ok = status not in (401, 403) and status < 500 if allowed else status == 403
                if ok and status == 403:
                    ok = answer.get_json()["error"]["code"] == "forbidden"
                if not ok:
                    wrong.append(
                        f"{method.upper()} {template} as {role} ({scope}): {status}, expected "
                        f"{'allowed' if allowed else '403'} {answer.get_data(as_text=True)[:160]}"
                    )
    assert cells == len(STAFF_OPERATIONS) * (len(ROLES) * len(SCOPES) + 1)
    assert not wrong, f"{len(wrong)} of {cells} cells differ from the table:\n" + "\n".join(wrong)


def test_whoever_may_move_a_case_may_read_it(app, api, staff):
    """May every user who can fire a trigger the case's state allows read the case and find it in its list?"""
    from queue_server.accounts import policy
    from queue_server.accounts.models import User
    from queue_server.cases.transitions import get_case
    from workflows import case as case_flow

    no = api.open_case()["case_no"]
    api.fire(no, "accept", as_user="clerk1")
    for role in ROLES:
        for scope in SCOPES:
            user = username(role, scope)
            answer = staff.get(f"/cases/{no}", user)
            listed = {case["case_no"] for case in staff.get("/cases", user).get_json().get("items", [])}
            assert (answer.status_code == 200) == (no in listed), (user, answer.status_code, listed)
            if answer.status_code == 200:
                continue
            assert answer.status_code == 403, (user, answer.status_code)
            with app.app_context():
                actor = db.session.scalar(db.select(User).where(User.username == user))
                case = get_case(no)
                movable = [
                    trigger
                    for trigger in case_flow.definition(case.mode).allowed_triggers(case.state)
                    if policy.transition_problem(actor, case, trigger) is None
                ]
                assert movable == [], (user, "may move a case it may not read", movable)
