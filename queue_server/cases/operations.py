"""Case operations: open a case at intake, move it through its mode's machine, render it.

Operations flush but never commit; they take the acting user and check what that user may do.
Who may fire a trigger is declared beside the machine (``workflows.case.ROLES``); the scope of the
user (hall, district, department, the case's assignee or agent) is checked by ``policy``.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.timelimits import CaseClock, Pause, case_clock
from queue_server.calendar.workcalendar import WorkCalendar
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case, CaseCounter, CaseEvent, CasePause
from queue_server.citizen.models import ServiceItem
from queue_server.db import next_in_sequence
from queue_server.errors import Conflict, InvalidRequest, InvalidTransition, NotFound
from queue_server.extensions import db
from queue_server.notify import sms as notify
from queue_server.queue.models import Department, Hall, Ticket
from queue_server.realtime import events
from queue_server.schemas import (
    TRIGGER_DATA,
    Applicant,
    CaseListQuery,
    CaseRequest,
    Delivery,
    NoData,
    TransitionRequest,
    mask_phone,
    parse,
)
from workflows import case as case_flow

# 马上办 completed in the sitting it was accepted in: no clock ran, and it was on time.
ON_THE_SPOT = CaseClock(deadline=None, remaining_workdays=None, light=None, paused=False, on_time=True)

# Modes whose applicant comes to the window for intake (online and agent cases are filed for them).
IN_PERSON_MODES = ("immediate", "once", "citywide", case_flow.BUNDLE)
# The printable documents and the trigger that gives each.
DOCUMENT_TRIGGERS = {
    "acceptance": ("accept", "pass_pre_review"),
    "deficiency": ("accept_with_deficiency",),
    "supplement": ("request_supplement",),
    "refusal": ("refuse",),
    "completion": ("complete_on_spot",),
}
# Triggers that need a reason or an opinion in `note`.
NOTE_REQUIRED = {"refuse": "请填写不予受理的理由", "approve": "请填写审批意见", "deny": "请填写不予许可的理由和依据"}
# After these the case goes straight to its department's approvers.
DISPATCH_AFTER = {"accept", "accept_with_deficiency", "pass_pre_review"}


# --- intake ---


def open_case(req: CaseRequest, actor: User) -> Case:
    """Open a case for an item at a hall (前台综合受理); it starts in its mode's initial state."""
    hall = hall_in_body(req.hall, "hall")
    policy.require(actor, "case.create", hall_id=hall.id)
    service = db.session.scalar(select(ServiceItem).where(ServiceItem.code == req.service))
    if service is None:
        raise InvalidRequest({"service": f"事项不存在：{req.service}"})
    if req.mode not in service.modes:
        names = "、".join(case_flow.MODE_NAMES[mode] for mode in service.modes)
        raise InvalidRequest({"mode": f"该事项不支持{case_flow.MODE_NAMES[req.mode]}，可选：{names}"})
    ticket = None
    if req.ticket_id is not None:
        ticket = db.session.get(Ticket, req.ticket_id)
        if ticket is None or ticket.hall_id != hall.id:
            raise InvalidRequest({"ticket_id": f"本大厅没有这张号票：{req.ticket_id}"})
    _check_material_names([m.name for m in req.materials], service, "materials")

    delivery = resolve_delivery(req.delivery, hall, req.mode)
    if req.mode == case_flow.BUNDLE and not service.parts:
        raise InvalidRequest({"mode": "该事项不是主题式服务（一件事）"})

    at = clock.now()
    materials = [m.model_dump() for m in req.materials]
    case = new_case(service, req.mode, hall, req.applicant, actor, at, delivery, ticket=ticket, materials=materials)
    case.visits = 1 if req.mode in IN_PERSON_MODES else 0
    if req.mode == case_flow.BUNDLE:
        for code in service.parts:
            part = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))
            own = {m["name"] for m in part.materials}
            new_case(part, _bundled_mode(part), hall, req.applicant, actor, at, delivery, ticket=ticket, parent=case,
                     materials=[m for m in materials if m["name"] in own])
    events.case_changed(case)
    return case


def resolve_delivery(choice: Delivery | None, hall: Hall, mode: str) -> dict:
    """Return the delivery columns of a choice: pickup at the hall by default, mail for 一次办."""
    method = choice.method if choice else ("mail" if mode == "once" else "pickup")
    address = choice.address if choice else None
    if method == "mail" and not address:
        raise InvalidRequest({"delivery.address": "邮寄送达须填写邮寄地址" + ("（一次办默认邮寄）" if mode == "once" else "")})
    pickup_hall = hall_in_body(choice.hall, "delivery.hall") if choice and choice.hall and method == "pickup" else hall
    return {"delivery_method": method, "delivery_hall": pickup_hall, "delivery_address": address if method == "mail" else None}


def new_case(service: ServiceItem, mode: str, hall: Hall, applicant: Applicant, actor: User | None, at: datetime,
             delivery: dict, *, ticket: Ticket | None = None, parent: Case | None = None, materials: list[dict] = (),
             note: str | None = None, data: dict | None = None) -> Case:
    """Create a case in its mode's initial state, numbered, with its creation as the first history entry."""
    workflow = case_flow.definition(mode)
    case = Case(
        case_no=next_case_no(hall, at),
        service=service,
        mode=mode,
        workflow_version=workflow.version,
        state=workflow.initial,
        hall=hall,
        department_id=service.department_id,
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


def _bundled_mode(part: ServiceItem) -> str:
    """Pick the in-hall mode a bundle's child takes: 一次办, else 同城办, else 马上办."""
    for mode in ("once", "citywide", "immediate"):
        if mode in part.modes:
            return mode
    raise InvalidRequest({"service": f"主题事项的子项“{part.name}”不能在窗口受理"})


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


def _check_material_names(names: list[str], service: ServiceItem, field: str, deferrable_only: bool = False) -> None:
    known = {m["name"]: m for m in service.materials}
    for index, name in enumerate(names):
        if name not in known:
            raise InvalidRequest({f"{field}.{index}": f"不是该事项的申请材料：{name}"})
        if deferrable_only and not known[name].get("deferrable"):
            raise InvalidRequest({f"{field}.{index}": f"“{name}”不可容缺，须当场提交"})


# --- moving a case ---


def get_case(case_no: str, for_update: bool = False) -> Case:
    """Return the case with this number, or answer 404; lock its row when it is about to change."""
    stmt = select(Case).where(Case.case_no == case_no)
    if for_update:
        stmt = stmt.with_for_update()
    case = db.session.scalar(stmt)
    if case is None:
        raise NotFound(f"办件不存在：{case_no}", {"case_no": case_no})
    return case


def transition_case(case: Case, req: TransitionRequest, actor: User) -> Case:
    """Fire a trigger on a case: 409 when its state does not allow it, 403 when the user may not."""
    workflow = case_flow.definition(case.mode, case.workflow_version)
    allowed = workflow.allowed_triggers(case.state)
    if req.trigger not in allowed:
        raise InvalidTransition(case.state, req.trigger, allowed, _refusal_message(case, req.trigger))
    policy.require(actor, "case.transition", case=case, trigger=req.trigger)
    if req.trigger in NOTE_REQUIRED and not req.note:
        raise InvalidRequest({"note": NOTE_REQUIRED[req.trigger]})
    data = parse(TRIGGER_DATA.get(req.trigger, NoData), req.data or {}, prefix="data.")
    _check_bundle_rules(case, req.trigger)

    at = clock.now()
    _fire(case, req.trigger, actor, at, data, req.note)
    if case.mode == case_flow.BUNDLE:
        _fire_on_children(case, req.trigger, actor, at, data, req.note)
    elif case.parent is not None and req.trigger in ("approve", "deny"):
        _when_every_child_is_decided(case.parent, actor, at)
    db.session.flush()
    events.case_changed(case)
    return case


def _fire(case: Case, trigger: str, actor: User, at: datetime, data, note: str | None = None) -> None:
    """Move the case by its machine, apply the trigger's effects, record it and tell the applicant."""
    workflow = case_flow.definition(case.mode, case.workflow_version)
    fire_kwargs = _prepare(case, trigger, data, actor, at)
    # The machine may link the actor to the case (claim): it gets the ORM row, not a token's principal.
    row = actor.record() if actor is not None else None
    before = workflow.fire(case, trigger, at=at, actor=row, **fire_kwargs)
    _after(case, trigger, data, actor, at)
    record_change(case, trigger, before, actor, at, note, _history_data(trigger, data))
    if trigger in DISPATCH_AFTER:
        before = workflow.fire(case, "dispatch", at=at, actor=actor)
        record_change(case, "dispatch", before, actor, at)
    if case.parent is None:  # a bundle's applicant hears from the parent only
        _notify_applicant(case, trigger, note)


# --- 主题式 bundles ---


def _check_bundle_rules(case: Case, trigger: str) -> None:
    """Refuse (409) what a bundle does as a whole when asked of one part, and a premature hand-over."""
    if case.parent is not None and (trigger in case_flow.PARENT_TRIGGERS
                                    or (trigger in ("request_supplement", "supplement") and case.accepted_at is None)):
        raise Conflict(f"主题式服务的子件由主件 {case.parent.case_no} 统一受理、告知和出件", {"parent": case.parent.case_no})
    if case.mode != case_flow.BUNDLE:
        return
    undecided = [child.case_no for child in case.children if child.decided_at is None and child.state != "withdrawn"]
    if trigger in ("notify_pickup", "mail") and undecided:
        raise Conflict("仍有子件在审批中，全部办结后才能出件", {"undecided": undecided})
    decided = [child.case_no for child in case.children if child.decided_at is not None]
    if trigger == "withdraw" and decided:
        raise Conflict("已有子件作出决定，不能整件撤回", {"decided": decided})


def _fire_on_children(parent: Case, trigger: str, actor: User, at: datetime, data, note: str | None) -> None:
    """Take the parent's step for each of its children (accept, refuse, pick up, deliver, close …)."""
    follows = {"accept": "accept", "refuse": "refuse", "withdraw": "withdraw", "notify_pickup": "notify_pickup",
               "mail": "mail", "deliver": "deliver", "close": "close"}
    child_trigger = follows.get(trigger)
    if child_trigger is None:
        return
    for child in parent.children:
        if child_trigger in case_flow.definition(child.mode, child.workflow_version).allowed_triggers(child.state):
            _fire(child, child_trigger, actor, at, data, note)
            events.case_changed(child)


def _when_every_child_is_decided(parent: Case, actor: User, at: datetime) -> None:
    """Mark the bundle decided when its last child is, and send it to the pickup window if so chosen."""
    if any(child.decided_at is None for child in parent.children if child.state != "withdrawn"):
        return
    parent.decided_at = at
    if parent.delivery_method == "pickup" and parent.state == "in_approval":
        _fire(parent, "notify_pickup", actor, at, NoData())
        _fire_on_children(parent, "notify_pickup", actor, at, NoData(), None)
    events.case_changed(parent)


def _refusal_message(case: Case, trigger: str) -> str | None:
    if trigger == "claim" and case.state in ("reviewing", "suspended"):
        who = case.assignee.name if case.assignee else "其他审批人员"
        return f"该办件已被{who}认领，请选择其他办件"
    return None


def _prepare(case: Case, trigger: str, data, actor: User, at: datetime) -> dict:
    """Check the trigger's data against the case and return what the machine's callbacks need."""
    if trigger == "accept_with_deficiency":
        _check_material_names(data.deficiencies, case.service, "data.deficiencies", deferrable_only=True)
        if data.due <= at.date():
            raise InvalidRequest({"data.due": "补交期限应晚于今天"})
    if trigger == "reassign":
        assignee = db.session.scalar(select(User).where(User.username == data.assignee, User.active.is_(True)))
        in_department = assignee is not None and assignee.department_id == case.department_id
        if not in_department or not assignee.has_role("approver") or not policy.decides_in(assignee, case.hall_id):
            raise InvalidRequest({"data.assignee": f"不是本部门的审批人员：{data.assignee}"})
        if assignee.id == case.assignee_id:
            raise InvalidRequest({"data.assignee": "办件已由该人员办理"})
        return {"assignee": assignee}
    if trigger == "assign_agent":
        agent = actor.record() if data.agent is None else db.session.scalar(select(User).where(User.username == data.agent))
        if agent is None or not agent.active or not agent.has_role("agent"):
            raise InvalidRequest({"data.agent": "请选择一名代办员" if data.agent is None else f"不是代办员：{data.agent}"})
        if agent.hall_id != case.hall_id:
            raise InvalidRequest({"data.agent": "代办员不属于本服务大厅"})
        return {"agent": agent}
    if trigger == "mail":
        if not (data.address or case.delivery_address):
            raise InvalidRequest({"data.address": "未登记邮寄地址，请填写"})
        return {"waybill_no": data.waybill_no}
    if trigger == "deliver" and case.parent is None:
        outstanding = {d["name"] for part in [case, *case.children] for d in part.deficiencies if not d.get("received_at")}
        for index, name in enumerate(data.received):
            if name not in {d["name"] for d in case.deficiencies}:
                raise InvalidRequest({f"data.received.{index}": f"不是本办件的容缺材料：{name}"})
        still_missing = sorted(outstanding - set(data.received))
        if still_missing:
            raise Conflict("容缺材料尚未补齐，不能发放结果：" + "、".join(still_missing), {"missing": still_missing})
    return {}


def _after(case: Case, trigger: str, data, actor: User, at: datetime) -> None:
    """Apply what a trigger changes beyond the state: materials, pauses, visits, delivery."""
    if trigger == "accept_with_deficiency":
        case.deficiencies = [{"name": name, "due": data.due.isoformat(), "received_at": None} for name in data.deficiencies]
    elif trigger == "request_supplement":
        case.missing = list(data.missing)
        if case.accepted_at is not None:  # before acceptance the clock has not started
            db.session.add(CasePause(case_id=case.id, kind="supplement", started_at=at))
    elif trigger == "suspend":
        db.session.add(CasePause(case_id=case.id, kind=data.kind, started_at=at))
    elif trigger in ("supplement", "resume", "withdraw"):
        for pause in case.pauses:
            if pause.ended_at is None:
                pause.ended_at = at
    if trigger == "supplement":
        case.materials = _merge_materials(case.materials, [m.model_dump() for m in data.materials])
        case.missing = []
        if actor.has_role("clerk") and case.agent_id is None:
            case.visits += 1  # the applicant came back to the window
    elif trigger == "notify_pickup":
        case.delivery_method = "pickup"
    elif trigger == "mail":
        case.delivery_method = "mail"
        case.delivery_address = data.address or case.delivery_address
    elif trigger == "deliver":
        stamp = clock.to_hall_iso(at)
        case.deficiencies = [
            {**d, "received_at": d.get("received_at") or (stamp if d["name"] in data.received else None)}
            for d in case.deficiencies
        ]
        if case.delivery_method == "pickup" and case.parent is None:
            case.visits += 1


def _merge_materials(have: list[dict], brought: list[dict]) -> list[dict]:
    merged = {m["name"]: m for m in have}
    merged.update({m["name"]: m for m in brought})
    return list(merged.values())


def _history_data(trigger: str, data) -> dict | None:
    dumped = data.model_dump(mode="json", exclude_none=True)
    return dumped or None


def record_change(case: Case, trigger: str, before: str | None, actor: User | None, at: datetime,
                  note: str | None = None, data: dict | None = None) -> CaseEvent:
    """Add a row to the case's append-only history."""
    change = CaseEvent(case_id=case.id, trigger=trigger, from_state=before, to_state=case.state,
                       actor_id=actor.id if actor else None, at=at, note=note, data=data)
    db.session.add(change)
    return change


def _notify_applicant(case: Case, trigger: str, note: str | None) -> None:
    name = case.service.name
    if trigger in DISPATCH_AFTER:
        notify.notify(case.applicant_phone, "case_accepted", case_no=case.case_no, service_name=name,
                      deadline=case_clock_of(case).deadline, hall_name=case.hall.name)
    elif trigger == "request_supplement":
        notify.notify(case.applicant_phone, "case_supplement", case_no=case.case_no, service_name=name,
                      missing=list(case.missing), hall_name=case.hall.name)
    elif trigger == "refuse":
        notify.notify(case.applicant_phone, "case_not_accepted", case_no=case.case_no, service_name=name,
                      reason=note, hall_name=case.hall.name)
    elif trigger == "notify_pickup":
        notify.notify(case.applicant_phone, "case_result_ready", case_no=case.case_no, service_name=name,
                      hall_name=case.delivery_hall.name)
    elif trigger == "mail":
        notify.notify(case.applicant_phone, "case_mailed", case_no=case.case_no, service_name=name,
                      waybill_no=case.waybill_no, hall_name=case.hall.name)


# --- the clock ---


def case_clock_of(case: Case, today=None, calendar: WorkCalendar | None = None) -> CaseClock:
    """Compute the case's deadline, remaining working days and light from the shared calendar.

    Pass the calendar when computing many cases, so it is read from the database once.
    """
    if case.completed_on_spot:
        return ON_THE_SPOT  # 马上办: decided in the sitting it was accepted in, no clock ran
    config = current_app.config
    return case_clock(
        calendar or hall_calendar(),
        accepted_on=_hall_date(case.accepted_at),
        decided_on=_hall_date(case.decided_at),
        promised_days=case.service.promised_days,
        pauses=[Pause(_hall_date(p.started_at), _hall_date(p.ended_at)) for p in case.pauses],
        today=today or clock.today(),
        yellow_workdays=config["CASE_YELLOW_WORKDAYS"],
        yellow_ratio=config["CASE_YELLOW_RATIO"],
    )


def _hall_date(value: datetime | None):
    return None if value is None else value.astimezone(clock.hall_tz()).date()


# --- reading cases ---


def list_cases(query: CaseListQuery, viewer: User) -> dict:
    """List the cases the user may see, filtered, newest first, with the total before paging."""
    policy.require(viewer, "case.list")
    stmt = select(Case).options(selectinload(Case.pauses)).order_by(Case.created_at.desc(), Case.id.desc())
    stmt = stmt.where(policy.case_scope(viewer))
    if query.state:
        stmt = stmt.where(Case.state == query.state)
    if query.department:
        stmt = stmt.where(Case.department.has(Department.code == query.department))
    if query.hall:
        stmt = stmt.where(or_(Case.hall.has(Hall.code == query.hall), Case.delivery_hall.has(Hall.code == query.hall)))
    if query.q:
        stmt = stmt.where(or_(Case.case_no == query.q.upper(), Case.applicant_id_number == query.q.upper()))
    if query.assignee:
        username = viewer.username if query.assignee == "me" else query.assignee
        stmt = stmt.where(Case.assignee.has(User.username == username))
    if query.light is None:
        total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        cases = db.session.scalars(stmt.limit(query.limit).offset(query.offset)).all()
    else:  # the light is computed from the calendar, not stored: filter the running cases here
        running = [c for c in db.session.scalars(stmt.where(Case.accepted_at.is_not(None), Case.decided_at.is_(None)))]
        calendar = hall_calendar()
        lit = [c for c in running if case_clock_of(c, calendar=calendar).light == query.light]
        total, cases = len(lit), lit[query.offset:query.offset + query.limit]
    calendar = hall_calendar()
    return {"items": [case_view(case, viewer, calendar) for case in cases], "total": total}


def history_of(case: Case) -> list[CaseEvent]:
    """Return the case's recorded changes, oldest first."""
    return db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()


def case_view(case: Case, viewer: User, calendar: WorkCalendar | None = None) -> dict:
    """Render a case as the contract's case object, with what this user may do next."""
    calendar = calendar or hall_calendar()
    timer = case_clock_of(case, calendar=calendar)
    workflow = case_flow.definition(case.mode, case.workflow_version)
    allowed = [t for t in workflow.allowed_triggers(case.state)
               if t != "dispatch" and policy.transition_problem(viewer, case, t) is None]
    history = history_of(case)
    return {
        "id": case.id,
        "case_no": case.case_no,
        "service": case.service.code,
        "service_name": case.service.name,
        "mode": case.mode,
        "mode_name": case_flow.MODE_NAMES[case.mode],
        "workflow_version": case.workflow_version,
        "hall": case.hall.code,
        "hall_name": case.hall.name,
        "department": case.department.code,
        "department_name": case.department.name,
        "state": case.state,
        "state_name": case_flow.STATE_NAMES[case.state],
        "allowed_triggers": allowed,
        "created_at": clock.to_hall_iso(case.created_at),
        "accepted_at": clock.to_hall_iso(case.accepted_at),
        "decided_at": clock.to_hall_iso(case.decided_at),
        "deadline": timer.deadline.isoformat() if timer.deadline else None,
        "remaining_workdays": timer.remaining_workdays,
        "light": timer.light,
        "clock_paused": timer.paused,
        "on_time": timer.on_time,
        "promised_days": case.service.promised_days,
        "legal_days": case.service.legal_days,
        "delivery": {
            "method": case.delivery_method,
            "hall": case.delivery_hall.code,
            "hall_name": case.delivery_hall.name,
            "address": case.delivery_address,
        },
        "waybill_no": case.waybill_no,
        "applicant": {
            "name": case.applicant_name,
            "id_number": mask_id_number(case.applicant_id_number),
            "phone": mask_phone(case.applicant_phone),
        },
        "ticket_id": case.ticket_id,
        "parent": case.parent.case_no if case.parent else None,
        "children": [_child_view(child, calendar) for child in case.children],
        "materials": case.materials,
        "deficiencies": case.deficiencies,
        "missing": case.missing,
        "assignee": _person(case.assignee),
        "agent": _person(case.agent),
        "visits": case.visits,
        "extra_visit": case.mode == "once" and case.visits > 1,
        "documents": documents_of(history),
        "progress_url": progress_url(case),
        "history": [
            {
                "from": row.from_state,
                "to": row.to_state,
                "trigger": row.trigger,
                "trigger_name": case_flow.TRIGGER_NAMES.get(row.trigger, "登记"),
                "actor": row.actor.username if row.actor else None,
                "actor_name": row.actor.name if row.actor else None,
                "at": clock.to_hall_iso(row.at),
                "note": row.note,
                "data": row.data,
            }
            for row in history
        ],
    }


def _child_view(child: Case, calendar: WorkCalendar) -> dict:
    timer = case_clock_of(child, calendar=calendar)
    return {
        "case_no": child.case_no,
        "service": child.service.code,
        "service_name": child.service.name,
        "mode": child.mode,
        "department": child.department.code,
        "department_name": child.department.name,
        "state": child.state,
        "state_name": case_flow.STATE_NAMES[child.state],
        "assignee": _person(child.assignee),
        "deadline": timer.deadline.isoformat() if timer.deadline else None,
        "light": timer.light,
    }


def _person(user: User | None) -> dict | None:
    return {"username": user.username, "name": user.name} if user else None


def mask_id_number(value: str) -> str:
    """Mask a resident ID number as 442000********1233."""
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


def public_progress(case_no: str, phone: str) -> dict:
    """Render the public progress of a case for its applicant's phone; 404 alike for a wrong phone."""
    case = db.session.scalar(select(Case).where(Case.case_no == case_no))
    if case is None or case.applicant_phone != phone:
        raise NotFound("办件编号或手机号不正确", {"case_no": case_no})
    timer = case_clock_of(case)
    return {
        "case_no": case.case_no,
        "service": case.service.code,
        "service_name": case.service.name,
        "mode": case.mode,
        "mode_name": case_flow.MODE_NAMES[case.mode],
        "hall_name": case.hall.name,
        "state": case.state,
        "state_name": case_flow.STATE_NAMES[case.state],
        "deadline": timer.deadline.isoformat() if timer.deadline else None,
        "remaining_workdays": timer.remaining_workdays,
        "light": timer.light,
        "applicant": {"name": mask_name(case.applicant_name), "phone": mask_phone(case.applicant_phone)},
        "missing": case.missing if case.state == "awaiting_supplement" else [],
        "delivery": {"method": case.delivery_method, "hall_name": case.delivery_hall.name, "waybill_no": case.waybill_no},
        "history": [
            {"state": row.to_state, "state_name": case_flow.STATE_NAMES[row.to_state], "at": clock.to_hall_iso(row.at)}
            for row in history_of(case)
        ],
    }


def approvers_of(department_code: str, viewer: User) -> list[dict]:
    """List the active approvers of a department in the viewer's district (an approver of it asks)."""
    department = db.session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise NotFound(f"部门不存在：{department_code}", {"department": department_code})
    policy.require(viewer, "department.approvers", department_id=department.id)
    scope = policy.department_approvers(viewer, department.id)
    users = db.session.scalars(select(User).where(scope).order_by(User.username))
    return [_person(user) for user in users if user.has_role("approver")]


# --- documents ---


def case_document(case: Case, kind: str) -> bytes:
    """Render one of the case's printable documents (PDF); 404 when the case never got it."""
    from queue_server.cases.documents import render_case_document

    triggers = DOCUMENT_TRIGGERS.get(kind)
    event = None
    if triggers:
        event = db.session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.trigger.in_(triggers))
            .order_by(CaseEvent.id.desc()).limit(1)
        )
    if event is None:
        raise NotFound(f"该办件没有此类文书：{kind}", {"kind": kind})
    timer = case_clock_of(case)
    ticket = db.session.get(Ticket, case.ticket_id) if case.ticket_id else None
    data = event.data or {}
    return render_case_document(kind, {
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
        "promised_days": case.service.promised_days,
        "legal_days": case.service.legal_days,
        "materials": case.materials,
        "deficiencies": [{"name": name, "due": data.get("due")} for name in data.get("deficiencies", [])],
        "missing": data.get("missing", []),
        "reason": event.note,
        "clerk_name": event.actor.name if event.actor else None,
        "window_name": ticket.window.name if ticket and ticket.window else None,
        "issued_on": _hall_date(event.at).isoformat(),
        "progress_url": progress_url(case),
        "delivery": {"method": case.delivery_method, "hall_name": case.delivery_hall.name, "address": case.delivery_address},
    })
