"""The day's cases: taken in at the window (马上办, 一次办, 同城办), online (网上办) or by agents (代理办)."""

import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from queue_server.accounts.models import User
from queue_server.citizen.models import ServiceItem
from queue_server.demo_history.back_office import back_office
from queue_server.demo_history.rows import Row, citizen_name, id_number, phone, step
from queue_server.demo_history.story import APPLICANT, Story, some
from queue_server.demo_history.tickets import PICKUP_WINDOW, Desk
from workflows import case as case_flow

if TYPE_CHECKING:
    from queue_server.demo_history.world import World

STREETS = ("富华道", "彩虹大道", "翠景北路", "沙朗金港路", "隆平路", "后山路", "长洲南街")
REFUSALS = (
    "申请事项依法不需要取得行政许可，已告知申请人。",
    "申请人不具备申请资格，已一次性说明理由和依据。",
)


def cases_of_day(
    world: "World", day: date, tickets: list[Row], desks: list[Desk], rng: random.Random
) -> None:
    """Open the cases of served tickets, the day's online applications and agency requests."""
    clerks = [desk.clerk for desk in desks if desk.window.number != PICKUP_WINDOW] or world.clerks
    for ticket in tickets:
        service = ticket.service
        if ticket.state != "done" or service is None or rng.random() >= 0.35:
            continue
        modes = [m for m in service.modes if m in ("immediate", "once", "citywide")]
        if not modes:
            continue
        mode = "immediate" if "immediate" in modes and rng.random() < 0.7 else rng.choice(modes)
        at = ticket.started_at + (ticket.finished_at - ticket.started_at) * rng.uniform(0.3, 0.6)
        story = _new_case(world, service, mode, ticket.finisher, at, rng, ticket=ticket)
        if mode == "immediate":
            done = ticket.finished_at - timedelta(seconds=rng.uniform(10, 40))
            if story.fire("complete_on_spot", ticket.finisher, max(done, at)) and rng.random() < 0.6:
                story.fire("close", ticket.finisher, world.later(done, rng.randint(1, 3), rng))
        else:
            _intake(world, story, ticket.finisher, at, rng)
    online = [s for s in world.services if "online" in s.modes]
    for _ in range(rng.randint(2, 5)):
        at = world.at(day, 0, rng.uniform(7.5 * 60, 22.5 * 60))
        if at <= world.now:
            _online(world, _new_case(world, rng.choice(online), "online", None, at, rng), clerks, rng)
    agency = [s for s in world.services if "agent" in s.modes]
    for _ in range(rng.choice((0, 1, 1, 2))):
        at = world.office_time(day, rng)
        if at <= world.now:
            by_agent = rng.random() < 0.5
            filer = rng.choice(world.agents) if by_agent or not clerks else rng.choice(clerks)
            story = _new_case(world, rng.choice(agency), "agent", filer, at, rng)
            _agency(world, story, clerks, by_agent, rng)


def _new_case(
    world: "World",
    service: ServiceItem,
    mode: str,
    actor: User | None,
    at: datetime,
    rng: random.Random,
    ticket: Row | None = None,
) -> Story:
    name = citizen_name(rng)
    mail = mode == "once" or ("mail" in service.guide.get("delivery", []) and rng.random() < 0.25)
    address = f"广东省中山市西区{rng.choice(STREETS)}{rng.randint(1, 188)}号" if mail else None
    in_hand = mode != "online"
    materials = [
        {"name": m["name"], "original_seen": in_hand, "copies": 1 if in_hand else 0}
        for m in service.materials
        if m["required"] or rng.random() < 0.5
    ]
    workflow = case_flow.definition(mode)
    case = Row(
        workflow.initial,
        extra={
            "service": service,
            "mode": mode,
            "workflow_version": workflow.version,
            "ticket": ticket,
            "applicant_name": name,
            "applicant_id_number": id_number(rng),
            "applicant_phone": phone(rng),
            "materials": materials,
            "deficiencies": [],
            "missing": [],
            "supplement_return": None,
            "delivery_method": "mail" if mail else "pickup",
            "delivery_address": address,
            "waybill_no": None,
            "assignee": None,
            "agent": None,
            "created_by": actor,
            "completed_on_spot": False,
            "visits": 1 if mode in ("immediate", "once", "citywide") else 0,
            "created_at": at,
            "accepted_at": None,
            "decided_at": None,
            "delivered_at": None,
            "closed_at": None,
            "pauses": [],
            "deliverer": None,
            "handover": None,
        },
    )
    case.events.append(
        step("create", None, case.state, actor, at, None, dict(APPLICANT) if mode == "online" else None)
    )
    world.cases.append(case)
    return Story(world, case, workflow, at, rng)


def _intake(world: "World", story: Story, clerk: User, at: datetime, rng: random.Random) -> None:
    """Take a case in at the window: accept, 容缺受理, 一次性告知补正 or refuse; then the back office."""
    case = story.case
    refused, missing = _check(story, clerk, at, rng, ask_below=0.12)
    if refused:
        return
    if missing is not None:
        at = story.supplement(clerk, at, missing, clerk, (1, 4))
        if at is None:
            return
        case.visits += 1
        at += timedelta(minutes=rng.uniform(3, 15))
    deferrable = [m["name"] for m in case.service.materials if m.get("deferrable")]
    if deferrable and rng.random() < 0.15:
        names = some(rng, deferrable)
        due, _ = world.calendar.add_working_days(at.astimezone(world.tz).date(), 5)
        if not story.fire(
            "accept_with_deficiency", clerk, at, data={"deficiencies": names, "due": due.isoformat()}
        ):
            return
        case.materials = [m for m in case.materials if m["name"] not in names]
        case.deficiencies = [{"name": name, "due": due.isoformat(), "received_at": None} for name in names]
    elif not story.fire("accept", clerk, at):
        return
    story.fire("dispatch", clerk, at)
    back_office(world, story, rng)


def _check(
    story: Story, clerk: User, at: datetime, rng: random.Random, ask_below: float
) -> tuple[bool, list[str] | None]:
    """Check an application: refuse it (4 in 100), else maybe pick required materials to ask for."""
    roll = rng.random()
    if roll < 0.04:
        story.fire("refuse", clerk, at, note=rng.choice(REFUSALS))
        return True, None
    if roll < ask_below:
        return False, some(rng, [m["name"] for m in story.case.service.materials if m["required"]])
    return False, None


def _online(world: "World", story: Story, clerks: list[User], rng: random.Random) -> None:
    """An online application: sent by the applicant, pre-reviewed by a clerk, then the back office."""
    case = story.case
    if rng.random() < 0.05:
        return  # a draft left unsent
    sent = story.last + timedelta(minutes=rng.uniform(10, 120))
    if not story.fire("submit", None, sent, data=dict(APPLICANT)):
        return
    clerk = rng.choice(clerks)
    at = story.at_workdays(rng.choice((0, 1, 1)))
    refused, missing = _check(story, clerk, at, rng, ask_below=0.14)
    if refused:
        return
    if missing is not None:
        if not story.fire("request_supplement", clerk, at, data={"missing": missing}):
            return
        case.missing = missing
        sent = at + timedelta(days=rng.uniform(0.5, 3))
        if not story.fire("supplement", None, sent, data=dict(APPLICANT)):
            return
        case.missing = []
        at = story.at_workdays(rng.choice((0, 1)))
    if story.fire("pass_pre_review", clerk, at):
        story.fire("dispatch", clerk, at)
        back_office(world, story, rng)


def _agency(world: "World", story: Story, clerks: list[User], by_agent: bool, rng: random.Random) -> None:
    """代理办: an agent takes the request (or is given it), files it, and a clerk accepts it."""
    case = story.case
    at = story.at_workdays(rng.choice((0, 0, 1)))
    if by_agent:
        agent = case.created_by
        done = story.fire("assign_agent", agent, at, data=None, agent=agent)
    else:
        agent = rng.choice(world.agents)
        done = story.fire("assign_agent", world.supervisor, at, data={"agent": agent.username}, agent=agent)
    if not done or not story.fire("submit", agent, story.at_workdays(rng.randint(1, 3))):
        return
    clerk = rng.choice(clerks)
    at = story.at_workdays(rng.choice((0, 1)))
    if story.fire("accept", clerk, at):
        story.fire("dispatch", clerk, at)
        back_office(world, story, rng)
