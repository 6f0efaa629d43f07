"""Reading cases: lists, history, what a user may fire, a case for its applicant, approvers, documents.

The answers built from these rows are in ``queue_server.cases.answers``.
"""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases import bundles
from queue_server.cases.models import Case, CaseEvent
from queue_server.cases.rules import DOCUMENT_TRIGGERS, case_clock_of, hall_date
from queue_server.citizen.items import terms_of
from queue_server.errors import NotFound
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, Ticket
from queue_server.schemas import (
    CaseListQuery,
    mask_phone,
)
from workflows import case as case_flow

# --- reading cases ---


def list_cases(query: CaseListQuery, viewer: User) -> dict:
    """List the cases the user may see, filtered, newest first: ``{items, total}``, total before paging."""
    policy.require(viewer, "case.list")
    stmt = select(Case).options(selectinload(Case.pauses)).order_by(Case.created_at.desc(), Case.id.desc())
    stmt = stmt.where(policy.case_scope(viewer))
    # A bundle's parts are listed once the bundle is accepted: before that (an online 一件事 in draft or
    # 网上预审) nobody can act on them, and the bundle's own row stands for them.
    stmt = stmt.where(or_(Case.parent_id.is_(None), Case.parent.has(Case.accepted_at.is_not(None))))
    if query.state:
        stmt = stmt.where(Case.state == query.state)
    if query.department:
        stmt = stmt.where(Case.department.has(Department.code == query.department))
    if query.hall:
        stmt = stmt.where(
            or_(Case.hall.has(Hall.code == query.hall), Case.delivery_hall.has(Hall.code == query.hall))
        )
    if query.q:
        stmt = stmt.where(or_(Case.case_no == query.q.upper(), Case.applicant_id_number == query.q.upper()))
    if query.assignee:
        username = viewer.username if query.assignee == "me" else query.assignee
        stmt = stmt.where(Case.assignee.has(User.username == username))
    if query.light is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        cases = db.session.scalars(stmt.limit(query.limit).offset(query.offset)).all()
    else:  # the light is computed from the calendar, not stored: filter the running cases here
        running = db.session.scalars(stmt.where(Case.accepted_at.is_not(None), Case.decided_at.is_(None)))
        calendar = hall_calendar()
        lit = [c for c in running if case_clock_of(c, calendar=calendar).light == query.light]
        total, cases = len(lit), lit[query.offset : query.offset + query.limit]
    return {"items": cases, "total": total}


def history_of(case: Case) -> list[CaseEvent]:
    """Return the case's recorded changes, oldest first."""
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    return db.session.scalars(stmt).all()


def allowed_triggers(case: Case, viewer: User) -> list[str]:
    """List the triggers of the case's state that this user may fire now (dispatch fires by itself)."""
    workflow = case_flow.definition(case.mode, case.workflow_version)
    return [
        t
        for t in workflow.allowed_triggers(case.state)
        if t != "dispatch"
        and bundles.refusal(case, t) is None  # never list what the bundle's rules then refuse
        and policy.transition_problem(viewer, case, t) is None
    ]


def mask_id_number(value: str | None) -> str | None:
    """Mask a resident ID number as 442000********1233."""
    if value is None:
        return None
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """Mask a name as 张*三 (two characters: 张*)."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def documents_of(history: list[CaseEvent]) -> list[str]:
    """List the printable documents the case's history has given."""
    fired = {row.trigger for row in history}
    return [kind for kind, triggers in DOCUMENT_TRIGGERS.items() if fired.intersection(triggers)]


def progress_url(case: Case) -> str:
    """Return the public progress page of the case, as its documents' QR code carries it."""
    from queue_server.web import public_url

    return public_url("portal.progress", case_no=case.case_no)


def case_for_applicant(case_no: str, phone: str) -> Case:
    """Find a case by its number for its applicant's phone; 404 alike for a wrong phone."""
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None or case.applicant_phone != phone:
        raise NotFound("办件编号或手机号不正确", {"case_no": case_no})
    return case


def approvers_of(department_code: str, viewer: User) -> list[User]:
    """List the active approvers of a department in the viewer's district (an approver of it asks)."""
    department = db.session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise NotFound(f"部门不存在：{department_code}", {"department": department_code})
    policy.require(viewer, "department.approvers", department_id=department.id)
    scope = policy.department_approvers(viewer, department.id)
    users = db.session.scalars(select(User).where(scope).order_by(User.username))
    return [user for user in users if user.has_role("approver")]


# --- documents ---


def case_document(case: Case, kind: str) -> bytes:
    """Render one of the case's printable documents (PDF); 404 when the case never got it."""
    from queue_server.cases.documents import render_case_document

    triggers = DOCUMENT_TRIGGERS.get(kind)
    event = None
    if triggers:
        event = db.session.scalar(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.trigger.in_(triggers))
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
    if event is None:
        raise NotFound(f"该办件没有此类文书：{kind}", {"kind": kind})
    if kind == "receipt":
        return _delivery_receipt(case, event)
    timer = case_clock_of(case)
    ticket = db.session.get(Ticket, case.ticket_id) if case.ticket_id else None
    data = event.data or {}
    return render_case_document(
        kind,
        {
            "case_no": case.case_no,
            "service_name": case.service.name,
            "service_code": case.service.code,
            "mode_name": case_flow.MODE_NAMES[case.mode],
            "hall_name": case.hall.name,
            "hall_address": case.hall.address,
            "hall_phone": case.hall.phone,
            "department_name": case.department.name,
            "applicant_name": case.applicant_name,
            "applicant_id_number": mask_id_number(case.applicant_id_number),
            "applicant_phone": mask_phone(case.applicant_phone),
            "created_at": clock.to_hall_iso(case.created_at),
            "accepted_at": clock.to_hall_iso(case.accepted_at),
            "deadline": timer.deadline.isoformat() if timer.deadline else None,
            "promised_days": terms_of(case).promised_days,
            "legal_days": terms_of(case).legal_days,
            "materials": case.materials,
            "deficiencies": [{"name": name, "due": data.get("due")} for name in data.get("deficiencies", [])],
            "missing": data.get("missing", []),
            "reason": event.note,
            "clerk_name": event.actor.name if event.actor else None,
            "window_name": ticket.window.name if ticket and ticket.window else None,
            "issued_on": hall_date(event.at).isoformat(),
            "progress_url": progress_url(case),
            "delivery": {
                "method": case.delivery_method,
                "hall_name": case.delivery_hall.name,
                "address": case.delivery_address,
            },
        },
    )


RESULT_NAMES = {"approve": "准予许可", "deny": "不予许可"}


def _decisions(case: Case) -> list[dict]:
    """List each decided item of the case (a bundle: each part) with its decision."""
    parts = case.children or [case]
    results = []
    for part in parts:
        decision = db.session.scalar(
            select(CaseEvent.trigger)
            .where(CaseEvent.case_id == part.id, CaseEvent.trigger.in_(RESULT_NAMES))
            .order_by(CaseEvent.id.desc())
            .limit(1)
        )
        if decision is not None:
            results.append({"service_name": part.service.name, "result": RESULT_NAMES[decision]})
    return results


def _delivery_receipt(case: Case, event: CaseEvent) -> bytes:
    """Render the 送达回证 of a result handed over: the collector (or mail receipt) and the signature."""
    from queue_server.cases.receipt import render_delivery_receipt

    handed = case.handover
    hall = case.delivery_hall
    collector = receipt = None
    if handed is not None and handed.method == "pickup" and handed.collector_kind:
        collector = {
            "kind": handed.collector_kind,
            "name": handed.collector_name,
            "id_number": mask_id_number(handed.collector_id_number),
            "id_checked": handed.id_checked,
            "proxy_letter": handed.proxy_letter,
        }
    if handed is not None and handed.method == "mail" and handed.collector_name:
        receipt = {"signed_by": handed.collector_name, "signed_at": clock.to_hall_iso(handed.signed_at)}
    return render_delivery_receipt(
        {
            "case_no": case.case_no,
            "service_name": case.service.name,
            "service_code": case.service.code,
            "hall_name": hall.name,
            "hall_address": hall.address,
            "hall_phone": hall.phone,
            "department_name": case.department.name,
            "applicant_name": case.applicant_name,
            "applicant_id_number": mask_id_number(case.applicant_id_number),
            "applicant_phone": mask_phone(case.applicant_phone),
            "results": _decisions(case),
            "handed_at": clock.to_hall_iso(event.at),
            "clerk_name": event.actor.name if event.actor else None,
            "waybill_no": case.waybill_no,
            "collector": collector,
            "receipt": receipt,
            "signature_png": handed.signature_png if handed is not None else None,
            "issued_on": hall_date(event.at).isoformat(),
            "progress_url": progress_url(case),
            "delivery": {
                "method": case.delivery_method,
                "hall_name": hall.name,
                "address": case.delivery_address,
            },
        }
    )
