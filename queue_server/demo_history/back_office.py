"""A case in the back office: claimed, 补正 or §45 pauses, decided, handed over at the window or mailed."""

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.timelimits import Pause, deadline_of
from queue_server.demo_history.ratings import rate
from queue_server.demo_history.rows import citizen_name, id_number
from queue_server.demo_history.story import APPLICANT, Story, some
from queue_server.demo_history.tickets import PICKUP_WINDOW, staff

if TYPE_CHECKING:
    from queue_server.demo_history.world import World

DENIALS = "经审查，申请不符合法定条件，依据有关法律法规规定，决定不予许可。"
APPROVALS = "经审查，申请材料齐全、符合法定形式和条件，准予许可。"
SUSPEND_KINDS = ("inspection", "expert_review", "testing")


def back_office(world: "World", story: Story, rng: random.Random) -> None:
    """Claim, maybe 补正 or §45, decide (mostly in time), hand over at the window or by mail, close."""
    case = story.case
    approver = world.approvers[case.service.department_id]
    if rng.random() < 0.02:  # the applicant withdraws: online himself, else through the window or agent
        story.fire(
            "withdraw",
            case.created_by,
            story.at_workdays(rng.choice((0, 1))),
            note="申请人申请撤回",
            data=dict(APPLICANT) if case.mode == "online" else None,
        )
        return
    if not story.fire("claim", approver, story.at_workdays(rng.choice((0, 0, 1))), actor_row=approver):
        return
    promised = case.service.promised_days
    if promised and rng.random() < 0.08:
        missing = some(rng, [m["name"] for m in case.service.materials])
        at = story.at_workdays(rng.randint(0, 1))
        if story.supplement(approver, at, missing, case.agent, (2, 5), paused=True) is None:
            return
        if case.agent is None:
            case.visits += 1
    if promised >= 5 and case.service.queue_code == "jsgc" and rng.random() < 0.25:
        kind = rng.choice(SUSPEND_KINDS)
        at = story.at_workdays(rng.randint(0, 2))
        note = "依法需现场核查，期间不计入办理时限"
        if not story.fire("suspend", approver, at, data={"kind": kind}, note=note):
            return
        case.pauses.append({"kind": kind, "started_at": at, "ended_at": None})
        at = story.at_workdays(rng.randint(3, 8))
        if not story.fire("resume", approver, at):
            return
        case.pauses[-1]["ended_at"] = at
    trigger, at, opinion = _decision(world, story, rng)
    if not story.fire(trigger, approver, at, note=opinion):
        return
    _hand_over(world, story, approver, rng)


def _decision(world: "World", story: Story, rng: random.Random) -> tuple:
    case = story.case
    accepted_on = case.accepted_at.astimezone(world.tz).date()
    pauses = [
        Pause(p["started_at"].astimezone(world.tz).date(), p["ended_at"].astimezone(world.tz).date())
        for p in case.pauses
    ]
    deadline = deadline_of(world.calendar, accepted_on, case.service.promised_days, pauses, accepted_on)
    last_day = story.last.astimezone(world.tz).date()
    if rng.random() < 0.1:
        day, _ = world.calendar.add_working_days(max(deadline, last_day), rng.randint(1, 3))
    else:
        spare = world.calendar.working_days_between(last_day, deadline) if deadline > last_day else 0
        early = int(rng.triangular(0, spare + 1, 0))  # most are decided well before the deadline
        day, _ = world.calendar.add_working_days(last_day, min(spare, early))
    at = world.office_time(day, rng, not_before=story.last)
    if rng.random() < 0.06:
        return "deny", at, DENIALS
    return "approve", at, APPROVALS


def _hand_over(world: "World", story: Story, approver: User, rng: random.Random) -> None:
    case = story.case
    at = story.last + timedelta(minutes=rng.uniform(5, 60))
    received = [d["name"] for d in case.deficiencies]
    handover = {
        "method": case.delivery_method,
        "collector_kind": None,
        "collector_id_number": None,
        "id_checked": False,
        "proxy_letter": False,
        "signature_png": None,
    }
    if case.delivery_method == "mail":
        at = story.at_workdays(rng.choice((0, 1)))  # posted with the day's mail
        waybill = f"SF{rng.randint(10**11, 10**12 - 1)}"
        if not story.fire("mail", approver, at, data={"waybill_no": waybill}, waybill_no=waybill):
            return
        mailed, at = at, story.at_workdays(rng.randint(1, 3))
        signed = mailed + (at - mailed) * rng.uniform(0.5, 0.9)  # the receipt comes back after
        handover |= {"collector_name": case.applicant_name, "signed_at": signed}
        kept = {
            "received": received,
            "receipt": {"signed_by": case.applicant_name, "signed_at": clock.to_hall_iso(signed)},
        }
    else:
        if not story.fire("notify_pickup", approver, at):
            return
        at = story.at_workdays(rng.choice((0, 1, 1, 2, 3, 5)))
        if rng.random() < 0.15:  # 受托人 with the applicant's power of attorney
            name = citizen_name(rng)
            handover |= {
                "collector_kind": "proxy",
                "collector_name": name,
                "collector_id_number": id_number(rng),
                "proxy_letter": True,
            }
            kept = {"received": received, "collector": {"kind": "proxy", "name": name}}
        else:  # 本人, the ID card checked
            handover |= {
                "collector_kind": "self",
                "collector_name": case.applicant_name,
                "collector_id_number": case.applicant_id_number,
                "id_checked": True,
            }
            kept = {"received": received, "collector": {"kind": "self"}}
        handover["signed_at"] = None
    clerk = _pickup_clerk(world, at.astimezone(world.tz).date())
    if not story.fire("deliver", clerk, at, data=kept):
        return
    case.handover = {**handover, "waybill_no": case.waybill_no, "clerk_id": clerk.id, "at": at}
    stamp = clock.to_hall_iso(at)
    case.deficiencies = [{**d, "received_at": d["received_at"] or stamp} for d in case.deficiencies]
    case.deliverer = clerk
    if case.delivery_method == "pickup":
        case.visits += 1
    if rng.random() < 0.3:
        rate(
            world,
            rng,
            at + timedelta(minutes=rng.uniform(10, 2 * 24 * 60)),
            case=case,
            channel="portal",
            clerk=clerk,
        )
    if rng.random() < 0.85:
        story.fire("close", rng.choice((clerk, world.supervisor)), story.at_workdays(rng.randint(0, 2)))


def _pickup_clerk(world: "World", day: date) -> User:
    for desk in staff(world, day):
        if desk.window.number == PICKUP_WINDOW:
            return desk.clerk
    return world.clerks[0]
