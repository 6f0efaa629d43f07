"""What every stage of a case shares: its documents, the modes met in person, its clock and its history."""

from datetime import datetime

from flask import current_app

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.timelimits import (
    NO_CLOCK,
    CaseClock,
    Pause,
    case_clock,
    light_of,
    workdays_until,
)
from queue_server.calendar.workcalendar import WorkCalendar
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case, CaseEvent
from queue_server.citizen.bundles import waits_for
from queue_server.citizen.items import terms_of
from queue_server.citizen.models import ServiceItem
from queue_server.errors import InvalidRequest
from queue_server.extensions import db
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
    "receipt": ("deliver",),  # 送达回证
}


# Triggers that need a reason or an opinion in `note`.
NOTE_REQUIRED = {
    "refuse": "请填写不予受理的理由",
    "approve": "请填写审批意见",
    "deny": "请填写不予许可的理由和依据",
}


# After these the case goes straight to its department's approvers.
DISPATCH_AFTER = {"accept", "accept_with_deficiency", "pass_pre_review"}


def record_change(
    case: Case,
    trigger: str,
    before: str | None,
    actor: User | None,
    at: datetime,
    note: str | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """Add a row to the case's append-only history."""
    change = CaseEvent.of(case, trigger, before, actor, at, note, case_id=case.id, data=data)
    db.session.add(change)
    return change


def case_clock_of(case: Case, today=None, calendar: WorkCalendar | None = None) -> CaseClock:
    """Compute the case's deadline, remaining working days and light from the shared calendar.

    Pass the calendar when computing many cases, so it is read from the database once.
    """
    if case.completed_on_spot:
        return ON_THE_SPOT  # 马上办: decided in the sitting it was accepted in, no clock ran
    config = current_app.config
    if case.mode == case_flow.BUNDLE and case.children:
        return _bundle_clock(case, today or clock.today(), calendar or hall_calendar())
    return case_clock(
        calendar or hall_calendar(),
        accepted_on=hall_date(case.accepted_at),
        decided_on=hall_date(case.decided_at),
        promised_days=terms_of(case).promised_days,
        pauses=[Pause(hall_date(p.started_at), hall_date(p.ended_at)) for p in case.pauses],
        today=today or clock.today(),
        yellow_workdays=config["CASE_YELLOW_WORKDAYS"],
        yellow_ratio=config["CASE_YELLOW_RATIO"],
    )


def _part_ends(parent: Case, today, calendar: WorkCalendar) -> dict:
    """Return the day each counted part of an accepted bundle ends (or is due to end), by item code.

    A part under way ends on its own deadline; a part still waiting starts when the last part it waits
    for is decided (or is due to be) and takes its promised limit from there.
    """
    bundle = terms_of(parent)
    parts = {
        child.service.code: child
        for child in parent.children
        if child.state not in ("not_accepted", "withdrawn")
    }
    ends: dict[str, object] = {}

    def end(code: str):
        if code not in ends:
            part = parts[code]
            if part.accepted_at is not None:
                ends[code] = case_clock_of(part, today, calendar).deadline or hall_date(part.accepted_at)
            else:
                starts = [
                    hall_date(parts[other].decided_at) or end(other)
                    for other in waits_for(bundle, code, list(parts))
                ]
                start = max(starts, default=hall_date(parent.accepted_at))
                ends[code] = calendar.add_working_days(start, terms_of(part).promised_days)[0]
        return ends[code]

    for code in parts:
        end(code)
    return ends


def expected_deadline(part: Case, calendar: WorkCalendar | None = None):
    """Return the day a part waiting for others is due to be decided (its bundle's plan), or None."""
    parent = part.parent
    if parent is None or parent.accepted_at is None or part.accepted_at is not None:
        return None
    ends = _part_ends(parent, clock.today(), calendar or hall_calendar())
    return ends.get(part.service.code)


def _bundle_clock(parent: Case, today, calendar: WorkCalendar) -> CaseClock:
    """Compute a bundle's clock: its deadline is the end of its longest chain of parts (并联审批)."""
    if parent.accepted_at is None:
        return NO_CLOCK
    bundle = terms_of(parent)
    ends = _part_ends(parent, today, calendar)
    parts = {
        child.service.code: child
        for child in parent.children
        if child.state not in ("not_accepted", "withdrawn")
    }
    if not parts:
        return NO_CLOCK
    deadline = max(ends.values())
    decided_on = hall_date(parent.decided_at)
    if decided_on is not None:
        return CaseClock(deadline, None, None, False, decided_on <= deadline)
    running = [part for part in parts.values() if part.accepted_at is not None and part.decided_at is None]
    paused = bool(running) and all(part.state in case_flow.PAUSED_STATES for part in running)
    remaining = workdays_until(calendar, today, deadline)
    config = current_app.config
    light = light_of(
        remaining, bundle.promised_days, config["CASE_YELLOW_WORKDAYS"], config["CASE_YELLOW_RATIO"]
    )
    return CaseClock(deadline, remaining, light, paused, None)


def hall_date(value: datetime | None):
    return None if value is None else value.astimezone(clock.hall_tz()).date()


def check_material_names(
    names: list[str], service: ServiceItem, field: str, deferrable_only: bool = False
) -> None:
    known = {m["name"]: m for m in service.materials}
    for index, name in enumerate(names):
        if name not in known:
            raise InvalidRequest({f"{field}.{index}": f"不是该事项的申请材料：{name}"})
        if deferrable_only and not known[name].get("deferrable"):
            raise InvalidRequest({f"{field}.{index}": f"“{name}”不可容缺，须当场提交"})
