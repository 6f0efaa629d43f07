"""Moving a case through its mode's machine: the one path every case trigger fires through.

Operations flush but never commit; they take the acting user and check what that user may do.
Who may fire a trigger is declared beside the machine (``workflows.case.ROLES``); the scope of the
user (hall, district, department, the case's assignee or agent) is checked by ``policy``.
"""

from datetime import datetime

from sqlalchemy import select

from queue_server import outbox
from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.cases import bundles, handover
from queue_server.cases.models import Case, CasePause
from queue_server.cases.rules import (
    DISPATCH_AFTER,
    NOTE_REQUIRED,
    case_clock_of,
    check_material_names,
    record_change,
)
from queue_server.citizen.items import terms_of
from queue_server.errors import Conflict, InvalidRequest, InvalidTransition, NotFound
from queue_server.extensions import db
from queue_server.notify import sms as notify
from queue_server.notify.rating_links import invite_case_rating
from queue_server.schemas import (
    TRIGGER_DATA,
    NoData,
    TransitionRequest,
    id_number_problem,
    parse,
)
from workflows import case as case_flow

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
    if case.mode == case_flow.BUNDLE and req.trigger in ("accept", "pass_pre_review"):
        _advance_parts(case, actor, at, sitting=True)
    elif case.mode == case_flow.BUNDLE:
        _fire_on_children(case, req.trigger, actor, at, data, req.note)
    elif case.parent is not None and req.trigger in ("approve", "deny"):
        _advance_parts(case.parent, actor, at, sitting=False)
    db.session.flush()
    return case


def fire_on_parts(parent: Case, trigger: str, at: datetime, note: str | None = None) -> None:
    """Take a step the applicant took on a bundle (withdraw) for each of its parts, with no staff actor."""
    _fire_on_children(parent, trigger, None, at, NoData(), note)


def fire_trigger(
    case: Case,
    trigger: str,
    actor: User | None,
    at: datetime,
    *,
    note: str | None = None,
    history: dict | None = None,
    **fire_kwargs,
) -> str:
    """Move the case by its mode's machine and add the change to its history; return the state before.

    Every case trigger fires here: the clerk's and approver's (``transition_case``), the applicant's
    online (``citizen/online.py``, ``actor`` None) and the system's (dispatch after acceptance).
    """
    workflow = case_flow.definition(case.mode, case.workflow_version)
    # The machine may link the actor to the case (claim): it gets the ORM row, not a token's principal.
    row = actor.record() if actor is not None else None
    before = workflow.fire(case, trigger, at=at, actor=row, **fire_kwargs)
    record_change(case, trigger, before, actor, at, note, history)
    outbox.record("case_changed", case)
    if "ready_for_pickup" in (before, case.state):  # 办结公示: the hall's board adds or drops it
        outbox.record("pickup_changed", case)
    return before


def _fire(case: Case, trigger: str, actor: User, at: datetime, data, note: str | None = None) -> None:
    """Fire a staff trigger: its effects beyond the state, then dispatch and the applicant's SMS."""
    fire_kwargs = _prepare(case, trigger, data, actor, at)
    fire_trigger(case, trigger, actor, at, note=note, history=_history_data(trigger, data), **fire_kwargs)
    _after(case, trigger, data, actor, at)
    if trigger in DISPATCH_AFTER:
        fire_trigger(case, "dispatch", actor, at)
    if case.parent is None:  # a bundle's applicant hears from the parent, and of a part's 补正
        _notify_applicant(case, trigger, note)
    elif trigger == "request_supplement":
        _notify_part_supplement(case)


# --- 主题式 bundles ---


def _check_bundle_rules(case: Case, trigger: str) -> None:
    """Refuse (409) what a bundle does as a whole when asked of one part, and a premature hand-over."""
    refused = bundles.refusal(case, trigger)
    if refused is not None:
        raise Conflict(*refused)


def _advance_parts(parent: Case, actor: User, at: datetime, sitting: bool) -> None:
    """Start every part whose predecessors are granted, and refuse those whose predecessor was not.

    In the intake's sitting (``sitting``) a 马上办 part is completed on the spot, unless the bundle was
    applied for online (the applicant is not at the window); a part started otherwise is accepted and
    goes to its department. Then the bundle is marked decided when every part is.
    """
    on_spot = sitting and not case_flow.applied_online(parent.mode, parent.workflow_version)
    moved = True
    while moved:
        moved = False
        for part in parent.children:
            status = bundles.start_status(part)
            if status == "ready" and on_spot and part.mode == "immediate":
                _fire(part, "complete_on_spot", actor, at, NoData())
            elif status == "ready":
                starter = (
                    actor if sitting else None
                )  # started by the system once what it waits for is granted
                note = None if sitting or not bundles.predecessors(part) else "前置事项已办结，转入审批"
                _fire(part, "accept", starter, at, NoData(), note)
            elif status == "blocked":
                failed = [
                    p.service.name for p in bundles.predecessors(part) if p.state in bundles.FAILED_STATES
                ]
                _fire(
                    part, "refuse", None, at, NoData(), f"前置事项{'、'.join(failed)}未获准予，本事项不予受理"
                )
            moved = moved or status is not None
    _when_every_child_is_decided(parent, actor, at)


def _fire_on_children(parent: Case, trigger: str, actor: User, at: datetime, data, note: str | None) -> None:
    """Take the parent's step for each of its children (accept, refuse, pick up, deliver, close …)."""
    follows = {
        "accept": "accept",
        "refuse": "refuse",
        "withdraw": "withdraw",
        "notify_pickup": "notify_pickup",
        "mail": "mail",
        "deliver": "deliver",
        "close": "close",
    }
    child_trigger = follows.get(trigger)
    if child_trigger is None:
        return
    for child in parent.children:
        if child_trigger in case_flow.definition(child.mode, child.workflow_version).allowed_triggers(
            child.state
        ):
            _fire(child, child_trigger, actor, at, data, note)


def _when_every_child_is_decided(parent: Case, actor: User, at: datetime) -> None:
    """Mark the bundle decided when its last child is, and send it to the pickup window if so chosen."""
    if not bundles.every_part_decided(parent) or parent.state != "in_approval":
        return
    parent.decided_at = at
    if parent.delivery_method == "pickup" and parent.state == "in_approval":
        _fire(parent, "notify_pickup", actor, at, NoData())
        _fire_on_children(parent, "notify_pickup", actor, at, NoData(), None)
    outbox.record("case_changed", parent)


def _refusal_message(case: Case, trigger: str) -> str | None:
    if trigger == "claim" and case.state in ("reviewing", "suspended"):
        who = case.assignee.name if case.assignee else "其他审批人员"
        return f"该办件已被{who}认领，请选择其他办件"
    return None


def _prepare(case: Case, trigger: str, data, actor: User, at: datetime) -> dict:
    """Check the trigger's data against the case and return what the machine's callbacks need."""
    if trigger == "accept_with_deficiency":
        check_material_names(data.deficiencies, terms_of(case), "data.deficiencies", deferrable_only=True)
        if data.due <= at.date():
            raise InvalidRequest({"data.due": "补交期限应晚于今天"})
    if trigger == "reassign":
        assignee = db.session.scalar(
            select(User).where(User.username == data.assignee, User.active.is_(True))
        )
        in_department = assignee is not None and assignee.department_id == case.department_id
        if (
            not in_department
            or not assignee.has_role("approver")
            or not policy.decides_in(assignee, case.hall_id)
        ):
            raise InvalidRequest({"data.assignee": f"不是本部门的审批人员：{data.assignee}"})
        if assignee.id == case.assignee_id:
            raise InvalidRequest({"data.assignee": "办件已由该人员办理"})
        return {"assignee": assignee}
    if trigger == "assign_agent":
        agent = (
            actor.record()
            if data.agent is None
            else db.session.scalar(select(User).where(User.username == data.agent))
        )
        if agent is None or not agent.active or not agent.has_role("agent"):
            raise InvalidRequest(
                {"data.agent": "请选择一名代办员" if data.agent is None else f"不是代办员：{data.agent}"}
            )
        if agent.hall_id != case.hall_id:
            raise InvalidRequest({"data.agent": "代办员不属于本服务大厅"})
        return {"agent": agent}
    if trigger == "submit" and case.mode == "agent":
        _check_agent_submit(case, data)
    if trigger == "mail":
        if not (data.address or case.delivery_address):
            raise InvalidRequest({"data.address": "未登记邮寄地址，请填写"})
        return {"waybill_no": data.waybill_no}
    if trigger == "deliver" and case.parent is None:
        outstanding = {
            d["name"]
            for part in [case, *case.children]
            for d in part.deficiencies
            if not d.get("received_at")
        }
        for index, name in enumerate(data.received):
            if name not in {d["name"] for d in case.deficiencies}:
                raise InvalidRequest({f"data.received.{index}": f"不是本办件的容缺材料：{name}"})
        still_missing = sorted(outstanding - set(data.received))
        if still_missing:
            raise Conflict(
                "容缺材料尚未补齐，不能发放结果：" + "、".join(still_missing), {"missing": still_missing}
            )
        handover.check_handover(case, data, at)
    return {}


def _after(case: Case, trigger: str, data, actor: User, at: datetime) -> None:
    """Apply what a trigger changes beyond the state: materials, pauses, visits, delivery."""
    if trigger == "accept_with_deficiency":
        case.deficiencies = [
            {"name": name, "due": data.due.isoformat(), "received_at": None} for name in data.deficiencies
        ]
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
    elif trigger == "submit" and case.mode == "agent":
        case.materials = _merge_materials(case.materials, [m.model_dump() for m in data.materials])
        case.applicant_id_number = data.applicant_id_number or case.applicant_id_number
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
        handover.record_handover(case, data, actor, at)


def _check_agent_submit(case: Case, data) -> None:
    """Refuse an agent's submit without the applicant's ID number or with materials the item does not list."""
    check_material_names([m.name for m in data.materials], terms_of(case), "data.materials")
    number = data.applicant_id_number or case.applicant_id_number
    if not number:
        raise InvalidRequest({"data.applicant_id_number": "请填写申请人身份证号"})
    if problem := id_number_problem(number):
        raise InvalidRequest({"data.applicant_id_number": problem})


def _merge_materials(have: list[dict], brought: list[dict]) -> list[dict]:
    merged = {m["name"]: m for m in have}
    merged.update({m["name"]: m for m in brought})
    return list(merged.values())


def _history_data(trigger: str, data) -> dict | None:
    if trigger == "deliver":  # the collector's ID number and signature stay in the hand-over record
        return handover.history_data(data)
    dumped = data.model_dump(mode="json", exclude_none=True)
    return dumped or None


def _notify_part_supplement(part: Case) -> None:
    """Tell a bundle's applicant at once which part needs what (一次性告知), under the bundle's number."""
    parent = part.parent
    notify.notify(
        parent.applicant_phone,
        "case_supplement",
        case_no=parent.case_no,
        service_name=f"{parent.service.name}中的“{part.service.name}”",
        missing=list(part.missing),
        hall_name=parent.hall.name,
    )


def _notify_applicant(case: Case, trigger: str, note: str | None) -> None:
    name = case.service.name
    if trigger in DISPATCH_AFTER:
        notify.notify(
            case.applicant_phone,
            "case_accepted",
            case_no=case.case_no,
            service_name=name,
            deadline=case_clock_of(case).deadline,
            hall_name=case.hall.name,
        )
    elif trigger == "request_supplement":
        notify.notify(
            case.applicant_phone,
            "case_supplement",
            case_no=case.case_no,
            service_name=name,
            missing=list(case.missing),
            hall_name=case.hall.name,
        )
    elif trigger == "refuse":
        notify.notify(
            case.applicant_phone,
            "case_not_accepted",
            case_no=case.case_no,
            service_name=name,
            reason=note,
            hall_name=case.hall.name,
        )
    elif trigger == "notify_pickup":
        notify.notify(
            case.applicant_phone,
            "case_result_ready",
            case_no=case.case_no,
            service_name=name,
            hall_name=case.delivery_hall.name,
            address=case.delivery_hall.address or None,
        )
    elif trigger == "mail":
        notify.notify(
            case.applicant_phone,
            "case_mailed",
            case_no=case.case_no,
            service_name=name,
            waybill_no=case.waybill_no,
            hall_name=case.hall.name,
        )
    elif trigger in ("deliver", "complete_on_spot"):  # 好差评: a link that rates it, nothing to type
        invite_case_rating(case)
