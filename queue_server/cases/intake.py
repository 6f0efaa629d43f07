"""Intake (前台综合受理): open a case for an applicant at the comprehensive window, numbered without gaps.

Operations flush but never commit; they take the acting user and check what that user may do.
"""

from datetime import datetime

from sqlalchemy import or_, select

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.cases.models import Case, CaseCounter
from queue_server.cases.rules import IN_PERSON_MODES, check_material_names, record_change
from queue_server.citizen import accepting
from queue_server.citizen import bundles as bundle_plan
from queue_server.citizen.items import published_service
from queue_server.citizen.models import ServiceItem
from queue_server.db import next_in_sequence
from queue_server.errors import InvalidRequest
from queue_server.extensions import db
from queue_server.queue import tree
from queue_server.queue.models import Department, Hall, Ticket
from queue_server.schemas import (
    Applicant,
    CaseRequest,
    Delivery,
)
from workflows import case as case_flow

# --- intake ---


def open_case(req: CaseRequest, actor: User) -> Case:
    """Open a case for an item at a hall (前台综合受理); it starts in its mode's initial state."""
    hall = hall_in_body(req.hall, "hall")
    policy.require(actor, "case.create", hall_id=hall.id)
    service = published_service(req.service)
    if service is None:
        raise InvalidRequest({"service": f"事项不存在：{req.service}"})
    not_here = accepting.refusal(hall, service)
    if not_here is not None:
        raise InvalidRequest({"service": not_here})
    if req.mode not in service.modes:
        names = "、".join(case_flow.MODE_NAMES[mode] for mode in service.modes)
        raise InvalidRequest({"mode": f"该事项不支持{case_flow.MODE_NAMES[req.mode]}，可选：{names}"})
    ticket = None
    if req.ticket_id is not None:
        ticket = db.session.get(Ticket, req.ticket_id)
        if ticket is None or ticket.hall_id != hall.id:
            raise InvalidRequest({"ticket_id": f"本大厅没有这张号票：{req.ticket_id}"})
    check_material_names([m.name for m in req.materials], service, "materials")

    delivery = resolve_delivery(req.delivery, hall, req.mode)
    jurisdiction = resolve_jurisdiction(req.jurisdiction, hall)
    decider = deciding_department(service, jurisdiction)
    if req.mode == case_flow.BUNDLE and not service.parts:
        raise InvalidRequest({"mode": "该事项不是主题式服务（一件事）"})
    if req.answers and req.mode != case_flow.BUNDLE:
        raise InvalidRequest({"answers": "只有主题式服务（一件事）才回答导办问题"})
    needed = bundle_plan.needed_parts(service, req.answers) if req.mode == case_flow.BUNDLE else []

    at = clock.now()
    materials = [m.model_dump() for m in req.materials]
    answered = {"answers": dict(req.answers), "parts": needed} if req.mode == case_flow.BUNDLE else None
    case = new_case(
        service,
        req.mode,
        hall,
        req.applicant,
        actor,
        at,
        delivery,
        ticket=ticket,
        materials=materials,
        data=answered,
        jurisdiction=jurisdiction,
        department=decider,
    )
    case.visits = 1 if req.mode in IN_PERSON_MODES else 0
    open_parts(case, needed, req.applicant, actor, at, delivery, ticket=ticket, materials=materials)
    outbox.record("case_changed", case)
    return case


def open_parts(
    parent: Case,
    needed: list[str],
    applicant: Applicant,
    actor: User | None,
    at: datetime,
    delivery: dict,
    *,
    ticket: Ticket | None = None,
    materials: list[dict] = (),
) -> list[Case]:
    """Open a bundle's needed parts under its parent, each in the mode it is taken in with (submitted)."""
    bundle, jurisdiction = parent.service, parent.jurisdiction
    parts = []
    for code in needed:
        part = published_service(code) or db.session.scalar(
            select(ServiceItem).where(ServiceItem.code == code)
        )
        own = {m["name"] for m in part.materials}
        waits = bundle_plan.waits_for(bundle, code, needed)
        parts.append(
            new_case(
                part,
                bundle_plan.bundled_mode(part, bool(waits)),
                parent.hall,
                applicant,
                actor,
                at,
                delivery,
                ticket=ticket,
                parent=parent,
                materials=[m for m in materials if m["name"] in own],
                jurisdiction=jurisdiction,
                department=deciding_department(part, jurisdiction),
            )
        )
    return parts


def resolve_delivery(choice: Delivery | None, hall: Hall, mode: str) -> dict:
    """Return the delivery columns of a choice: pickup at the hall by default, mail for 一次办."""
    method = choice.method if choice else ("mail" if mode == "once" else "pickup")
    address = choice.address if choice else None
    if method == "mail" and not address:
        raise InvalidRequest(
            {"delivery.address": "邮寄送达须填写邮寄地址" + ("（一次办默认邮寄）" if mode == "once" else "")}
        )
    pickup_hall = (
        hall_in_body(choice.hall, "delivery.hall") if choice and choice.hall and method == "pickup" else hall
    )
    return {
        "delivery_method": method,
        "delivery_hall": pickup_hall,
        "delivery_address": address if method == "mail" else None,
    }


def resolve_jurisdiction(code: str | None, hall: Hall) -> Hall:
    """Return the district hall that decides: the one named, or the accepting hall's district."""
    if code is None:
        return db.session.get(Hall, tree.district_id(hall.id))
    district = db.session.scalar(select(Hall).where(Hall.code == code))
    if district is None or district.level != "district":
        raise InvalidRequest({"jurisdiction": f"办件管辖须为区级行政服务中心：{code}"})
    return district


def deciding_department(service: ServiceItem, jurisdiction: Hall) -> Department:
    """Return the department of the jurisdiction that decides the item (属地: its line's counterpart)."""
    own = service.department
    line = own.line or own.code
    counterpart = db.session.scalar(
        select(Department)
        .where(Department.hall_id == jurisdiction.id, or_(Department.line == line, Department.code == line))
        .order_by(Department.id)
        .limit(1)
    )
    if counterpart is not None:
        return counterpart
    if own.hall_id in (None, jurisdiction.id):
        return own
    raise InvalidRequest({"jurisdiction": f"{jurisdiction.name}没有办理该事项的部门"})


def new_case(
    service: ServiceItem,
    mode: str,
    hall: Hall,
    applicant: Applicant,
    actor: User | None,
    at: datetime,
    delivery: dict,
    *,
    ticket: Ticket | None = None,
    parent: Case | None = None,
    materials: list[dict] = (),
    note: str | None = None,
    data: dict | None = None,
    jurisdiction: Hall | None = None,
    department: Department | None = None,
    version: int = case_flow.VERSION,
) -> Case:
    """Create a case in its mode's initial state, numbered, with its creation as the first history entry."""
    workflow = case_flow.definition(mode, version)
    jurisdiction = jurisdiction or db.session.get(Hall, tree.district_id(hall.id))
    department = department or deciding_department(service, jurisdiction)
    case = Case(
        case_no=next_case_no(hall, at),
        service=service,
        service_version=service.version,
        mode=mode,
        workflow_version=workflow.version,
        state=workflow.initial,
        hall=hall,
        department_id=department.id,
        jurisdiction_id=jurisdiction.id,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        ticket_id=ticket.id if ticket else None,
        parent=parent,
        materials=list(materials),
        deficiencies=[],
        missing=[],
        created_by=actor.record() if actor is not None else None,  # a token's principal: its row
        visits=0,
        created_at=at,
        **delivery,
    )
    db.session.add(case)
    db.session.flush()
    record_change(case, "create", None, actor, at, note, data)
    return case


def next_case_no(hall: Hall, at: datetime) -> str:
    """Number a case by hall and day: XIQU-20261130-0001."""
    seq = next_in_sequence(CaseCounter, hall_id=hall.id, day=at.date())
    return f"{hall.code.upper()}-{at:%Y%m%d}-{seq:04d}"


def hall_in_body(code: str, field: str) -> Hall:
    """Return the hall a request body names, or answer 400 naming the field."""
    hall = db.session.scalar(select(Hall).where(Hall.code == code))
    if hall is None:
        raise InvalidRequest({field: f"服务大厅不存在：{code}"})
    return hall
