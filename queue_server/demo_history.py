"""A past for the demo hall: tickets, cases, ratings and rectifications, drawn from a fixed seed.

``load_history`` fills every working day of the hall calendar in the month before today (and today
up to a few minutes ago) on which the hall has neither tickets nor cases yet. So loading twice adds
nothing twice, a later load adds the days since, and a day the hall really worked is left as it was.
Each day draws from its own generator, seeded by the hall and the date: a day always looks the same.

A day: citizens arrive by the quarter hour with a morning and an afternoon peak (08:30-12:00,
14:30-17:30), six clerks staff six windows in turn and call, serve, recall and mark no-shows;
some citizens give up and have their number cancelled, some come back after a no-show. Served
tickets lead to cases at the window (马上办, 一次办, 同城办); applications arrive online (网上办) and
through agents (代理办). Cases move through the back office on the working-day calendar (claims, 补正
and §45 pauses, decisions mostly in time, some late), are collected at the pickup window (本人 or
受托人) or mailed, and archived. A third of the served tickets and delivered cases are rated; the bad
ratings open rectification items, which the supervisor assigns, follows up and closes. Nothing
happens after now: recent cases are still running, recent rectifications still open, and today
holds only finished tickets, never a waiting one, so the live queue starts quiet.

Tickets, cases and rectification items move by their machines (``workflows``), every change kept in
its history table as the operations keep it; the rows are written in bulk, so a month takes seconds.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, text, update

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.timelimits import Pause, deadline_of
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case, CaseCounter, CaseEvent, CaseHandover, CasePause
from queue_server.citizen.models import ServiceItem
from queue_server.extensions import db
from queue_server.queue.models import (
    NORMAL_LANE,
    PRIORITY_LANE,
    Hall,
    Ticket,
    TicketCounter,
    TicketEvent,
)
from queue_server.supervision.models import BAD_GRADES, Rating, Rectification, RectificationEvent
from workflows import case as case_flow
from workflows import rectification as rect_flow
from workflows import ticket as ticket_flow

SEED = 20261130
# How far back the history reaches: a month of calendar days before today.
HISTORY_DAYS = 30

# Tickets a queue takes on an ordinary working day (Wednesday), before the day's own variation.
DAILY_TICKETS = {"shsd": 26, "shsw": 14, "jsgc": 5, "bdcsf": 16, "rsyb": 24, "tycj": 12, "gahz": 12}
WEEKDAY_FACTOR = {0: 1.2, 1: 1.05, 2: 1.0, 3: 0.95, 4: 0.9, 5: 0.8, 6: 0.8}
# Arrivals by quarter hour: (first slot, relative weights); tickets are taken until 11:45 and 17:15.
SESSIONS = (
    (time(8, 30), (4, 6, 8, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3)),
    (time(14, 30), (3, 5, 7, 8, 8, 7, 6, 5, 4, 3, 2)),
)
# The windows staffed every day (one clerk each, in turn), covering every queue.
STAFFED_WINDOWS = (1, 13, 6, 9, 14, 15)
CLERK_PACE = (0.9, 1.0, 1.1, 0.95, 1.05, 1.15)
PICKUP_QUEUE = "tycj"
PRIORITY_REASONS = ("老年人", "老年人", "残疾人", "孕妇", "军人")
# Today's history stops this long before now, so the live screens start from a quiet hall.
TODAY_MARGIN = timedelta(minutes=10)

GRADES = (5, 4, 3, 2, 1)
GRADE_WEIGHTS = (80, 13, 4, 2, 1)
GRADE_WEIGHTS_LONG_WAIT = (55, 20, 12, 8, 5)
GOOD_COMMENTS = ("工作人员很耐心，一次就办好了", "效率高，不用跑第二趟", "指引清楚，服务热情",
                 "窗口人员专业，点赞")
BAD_COMMENTS = {
    "wait": "等候时间太长，上午只开了一个窗口",
    "attitude": "工作人员态度生硬，解释不耐烦",
    "trips": "材料要求前后说法不一，跑了两趟",
    "guide": "办事指南写得不清楚，少带了材料",
}
CLOSE_ACTIONS = {
    "wait": "已调整高峰时段窗口排班，上午增开一个综合窗口，并电话回访群众致歉。",
    "attitude": "已约谈当事窗口人员并组织服务规范培训，电话回访群众，群众表示认可。",
    "trips": "已统一该事项材料清单口径，一次性告知到位，并向群众说明致歉。",
    "guide": "已修订办事指南，补充材料样本和填写说明，并在门户网站更新。",
}

SURNAMES = "陈黄李梁何吴张林刘罗郑冯杨周谢邓苏彭赖钟郭卢麦谭高区余叶"
GIVEN_NAMES = ("嘉怡", "志明", "伟强", "慧敏", "家豪", "婉婷", "国华", "丽华", "俊杰", "晓彤", "文辉", "秀英",
               "子轩", "雅琪", "建平", "振华", "美玲", "永健", "海燕", "锦华", "少芬", "伟文", "淑仪", "浩然")
STREETS = ("富华道", "彩虹大道", "翠景北路", "沙朗金港路", "隆平路", "后山路", "长洲南街")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
REFUSALS = ("申请事项依法不需要取得行政许可，已告知申请人。",
            "申请人不具备申请资格，已一次性说明理由和依据。")
DENIALS = "经审查，申请不符合法定条件，依据有关法律法规规定，决定不予许可。"
APPROVALS = "经审查，申请材料齐全、符合法定形式和条件，准予许可。"
SUSPEND_KINDS = ("inspection", "expert_review", "testing")
APPLICANT = {"by": "applicant"}


@dataclass(frozen=True)
class HistorySummary:
    """What a load added: the days filled and the rows of each kind."""

    days: int = 0
    tickets: int = 0
    cases: int = 0
    ratings: int = 0
    rectifications: int = 0


@dataclass(eq=False)
class _Row:
    """A ticket, case or rectification item on its way through its machine (reads like the model)."""

    state: str
    events: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name):  # the machines' callbacks read and set the model's columns
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        if name in ("state", "events", "extra"):
            object.__setattr__(self, name, value)
        else:
            self.extra[name] = value


@dataclass
class _Desk:
    window: object
    clerk: User
    pace: float
    queue_ids: set[int]
    free_at: datetime


def load_history(hall_code: str = "xiqu") -> HistorySummary:
    """Add the demo hall's past month up to now, skipping the days it already has; say what was added."""
    hall = db.session.scalar(select(Hall).where(Hall.code == hall_code))
    if hall is None:
        raise LookupError(f"hall {hall_code} is not loaded")
    world = _World(hall)
    today = world.now.date()
    first = today - timedelta(days=HISTORY_DAYS)
    taken = world.days_with_data(first)
    days = [first + timedelta(days=n) for n in range((today - first).days + 1)]
    days = [day for day in days if world.calendar.is_working(day) and day not in taken]
    for day in days:
        world.simulate_day(day)
    return world.write(len(days))


class _World:
    """The hall, its people and items, and everything drawn so far, waiting to be written."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self.now = clock.now()
        self.tz = clock.hall_tz()
        self.calendar = hall_calendar()
        self.rect_workdays = current_app.config["RECTIFICATION_WORKDAYS"]
        self.queues = {queue.code: queue for queue in hall.queues}
        self.windows = {window.number: window for window in hall.windows}
        users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
        self.clerks = [user for user in users if user.username.startswith("clerk") and user.has_role("clerk")]
        self.agents = [user for user in users if user.username.startswith("agent") and user.has_role("agent")]
        supervisors = [user for user in users if user.has_role("supervisor")]
        self.supervisor = next((user for user in supervisors if "admin" not in user.roles), supervisors[0])
        self.approvers: dict[int, User] = {}
        for user in users:
            if user.has_role("approver") and user.department_id and user.department_id not in self.approvers:
                self.approvers[user.department_id] = user
        services = db.session.scalars(select(ServiceItem).order_by(ServiceItem.code)).all()
        self.services = [s for s in services if not s.parts and s.department_id in self.approvers]
        self.by_queue: dict[str, list[ServiceItem]] = {}
        for service in self.services:
            self.by_queue.setdefault(service.queue_code, []).append(service)
        self.tickets: list[_Row] = []
        self.cases: list[_Row] = []
        self.ratings: list[dict] = []
        self.rectifications: list[_Row] = []

    def days_with_data(self, first: date) -> set[date]:
        """Return the hall dates from `first` on with tickets or cases already."""
        days = set(db.session.scalars(
            select(Ticket.service_date).distinct()
            .where(Ticket.hall_id == self.hall.id, Ticket.service_date >= first)))
        since = datetime.combine(first, time(), self.tz)
        for created_at in db.session.scalars(
                select(Case.created_at).where(Case.hall_id == self.hall.id, Case.created_at >= since)):
            days.add(created_at.astimezone(self.tz).date())
        return days

    # --- time on the working-day calendar ---

    def at(self, day: date, hour: int, minute: float = 0) -> datetime:
        return datetime.combine(day, time(), self.tz) + timedelta(hours=hour, minutes=minute)

    def office_time(self, day: date, rng: random.Random, not_before: datetime | None = None) -> datetime:
        """A moment of office hours on a day (after `not_before` when that is on the same day)."""
        minute = rng.choice((rng.uniform(8 * 60 + 40, 11 * 60 + 50), rng.uniform(14 * 60 + 40, 17 * 60 + 20)))
        moment = self.at(day, 0, minute)
        if not_before is not None and moment <= not_before:
            moment = not_before + timedelta(minutes=rng.uniform(5, 90))
        return moment

    def later(self, after: datetime, workdays: int, rng: random.Random) -> datetime:
        """A moment of office hours `workdays` working days after `after` (0: later that working day)."""
        day = after.astimezone(self.tz).date()
        if workdays == 0 and not self.calendar.is_working(day):
            workdays = 1
        day, _ = self.calendar.add_working_days(day, workdays)
        return self.office_time(day, rng, not_before=after)

    # --- one day ---

    def simulate_day(self, day: date) -> None:
        rng = random.Random(f"{SEED}:{self.hall.code}:{day.isoformat()}")
        desks = self._staff(day)
        tickets = self._serve(day, desks, self._arrivals(day, rng), rng)
        if day == self.now.date():
            cutoff = self.now - TODAY_MARGIN
            tickets = [t for t in tickets if t.events[-1]["at"] <= cutoff]
        self._number(day, tickets)
        self.tickets.extend(tickets)
        self._rate_tickets(tickets, rng)
        self._cases_of_day(day, tickets, desks, rng)

    def _staff(self, day: date) -> list[_Desk]:
        """Put a clerk at each staffed window; they move one window on each day."""
        desks = []
        turn = day.toordinal()
        for index, number in enumerate(STAFFED_WINDOWS):
            window = self.windows.get(number)
            if window is None or not self.clerks:
                continue
            slot = (index + turn) % len(self.clerks)
            desks.append(_Desk(window, self.clerks[slot], CLERK_PACE[slot % len(CLERK_PACE)],
                               {queue.id for queue in window.queues}, self.at(day, 8, 30)))
        return desks

    def _arrivals(self, day: date, rng: random.Random) -> list[_Row]:
        factor = WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.85, 1.15)
        slots = [(self.at(day, start.hour, start.minute + 15 * n), weight)
                 for start, weights in SESSIONS for n, weight in enumerate(weights)]
        starts, weights = [s for s, _ in slots], [w for _, w in slots]
        tickets = []
        for code, queue in self.queues.items():
            mean = DAILY_TICKETS.get(code, 8) * factor
            count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
            services = self.by_queue.get(code, [])
            for start in rng.choices(starts, weights, k=count):
                issued_at = start + timedelta(seconds=rng.uniform(0, 900))
                priority = rng.random() < 0.06
                service = rng.choice(services) if services and rng.random() < 0.7 else None
                ticket = _Row("waiting", extra={
                    "queue": queue, "origin": queue, "service": service, "window": None,
                    "lane": PRIORITY_LANE if priority else NORMAL_LANE,
                    "priority_reason": rng.choice(PRIORITY_REASONS) if priority else None,
                    "phone": _phone(rng) if rng.random() < 0.35 else None,
                    "issued_at": issued_at, "queued_at": issued_at, "ready_at": issued_at,
                    "called_at": None, "started_at": None, "finished_at": None, "recalls": 0,
                    "plan": rng.choices(("serve", "no_show", "come_back", "leave"), (93.5, 3.5, 1.5, 1.5))[0],
                    "finisher": None,
                })
                ticket.events.append(_ticket_event("issue", None, ticket, None, None, issued_at))
                tickets.append(ticket)
        tickets.sort(key=lambda t: t.issued_at)
        return tickets

    def _serve(self, day: date, desks: list[_Desk], tickets: list[_Row], rng: random.Random) -> list[_Row]:
        """Run the day: the free window calls the first of its lines, until every line is empty."""
        lines: dict[int, list[_Row]] = {}
        for ticket in tickets:
            lines.setdefault(ticket.queue.id, []).append(ticket)
        while True:
            open_desks = [d for d in desks if any(lines.get(q) for q in d.queue_ids)]
            if not open_desks:
                break
            desk = min(open_desks, key=lambda d: d.free_at)
            mine = [t for q in desk.queue_ids for t in lines.get(q, ())]
            ready = [t for t in mine if t.ready_at <= desk.free_at]
            if not ready:
                desk.free_at = min(t.ready_at for t in mine)
                continue
            patience = desk.free_at - timedelta(minutes=12)
            leaving = [t for t in ready if t.plan == "leave" and t.ready_at <= patience]
            if leaving:  # a citizen who gave up asks a clerk to cancel the number
                ticket = leaving[0]
                at = ticket.ready_at + timedelta(minutes=rng.uniform(5, 12))
                self._fire_ticket(ticket, "cancel", desk.clerk, None, at)
                lines[ticket.queue.id].remove(ticket)
                continue
            ticket = min(ready, key=lambda t: (t.lane, t.queued_at))
            if self._call(desk, ticket, rng):
                lines[ticket.queue.id].remove(ticket)
        return tickets

    def _call(self, desk: _Desk, ticket: _Row, rng: random.Random) -> bool:
        """Call a ticket at a desk; return whether it has left the line."""
        at = desk.free_at + timedelta(seconds=rng.uniform(5, 30))
        window, clerk = desk.window, desk.clerk
        self._fire_ticket(ticket, "call", clerk, window, at)
        if ticket.plan in ("no_show", "come_back"):
            if rng.random() < 0.6:
                at += timedelta(seconds=rng.uniform(50, 70))
                self._fire_ticket(ticket, "recall", clerk, window, at)
            at += timedelta(seconds=rng.uniform(90, 150))
            self._fire_ticket(ticket, "no_show", clerk, window, at)
            desk.free_at = at + timedelta(seconds=rng.uniform(10, 30))
            if ticket.plan == "no_show":
                return True
            back = at + timedelta(minutes=rng.uniform(5, 25))
            self._fire_ticket(ticket, "requeue", clerk, window, back)
            ticket.ready_at = back
            ticket.plan = "serve"
            return False
        at += timedelta(seconds=rng.uniform(20, 90))
        self._fire_ticket(ticket, "start", clerk, window, at)
        mean = ticket.queue.avg_service_s * desk.pace
        sigma = 0.5
        seconds = rng.lognormvariate(math.log(mean) - sigma ** 2 / 2, sigma)
        at += timedelta(seconds=min(max(60.0, seconds), 4 * mean))
        self._fire_ticket(ticket, "finish", clerk, window, at)
        ticket.finisher = clerk
        desk.free_at = at + timedelta(seconds=rng.uniform(10, 45))
        return True

    @staticmethod
    def _fire_ticket(ticket: _Row, trigger: str, actor: User, window, at: datetime) -> None:
        before = ticket_flow.fire(ticket, trigger, at=at, window=window)
        ticket.events.append(_ticket_event(trigger, before, ticket, actor, window, at))

    @staticmethod
    def _number(day: date, tickets: list[_Row]) -> None:
        seqs: dict[int, int] = {}
        for ticket in sorted(tickets, key=lambda t: t.issued_at):
            seq = seqs[ticket.origin.id] = seqs.get(ticket.origin.id, 0) + 1
            ticket.number = f"{ticket.origin.prefix}{seq:03d}"
            ticket.service_date = day

    def _rate_tickets(self, tickets: list[_Row], rng: random.Random) -> None:
        for ticket in tickets:
            if ticket.state != "done" or rng.random() >= 0.35:
                continue
            waited = (ticket.called_at - ticket.issued_at).total_seconds()
            evaluator = rng.random() < 0.85
            delay = timedelta(seconds=rng.uniform(5, 40) if evaluator else rng.uniform(120, 5400))
            self._rate(rng, ticket.finished_at + delay, ticket=ticket, long_wait=waited > 1800,
                       channel="evaluator" if evaluator else "status_page",
                       window=ticket.window, clerk=ticket.finisher)

    def _rate(self, rng: random.Random, at: datetime, *, ticket=None, case=None, long_wait=False,
              channel: str, window=None, clerk: User | None = None) -> None:
        if at > self.now:
            return
        grade = rng.choices(GRADES, GRADE_WEIGHTS_LONG_WAIT if long_wait else GRADE_WEIGHTS)[0]
        cause = None
        comment = None
        if grade in BAD_GRADES:
            cause = "wait" if long_wait else rng.choice(("attitude", "trips", "guide", "wait"))
            comment = BAD_COMMENTS[cause]
        elif grade == 5 and rng.random() < 0.12:
            comment = rng.choice(GOOD_COMMENTS)
        rating = {"hall_id": self.hall.id, "ticket": ticket, "case": case, "grade": grade, "comment": comment,
                  "channel": channel, "window_id": window.id if window is not None else None,
                  "clerk_id": clerk.id if clerk is not None else None, "created_at": at}
        self.ratings.append(rating)
        if grade in BAD_GRADES:
            self.rectifications.append(self._rectify(rating, cause, clerk, rng))

    def _rectify(self, rating: dict, cause: str, clerk: User | None, rng: random.Random) -> _Row:
        """Open the item of a bad rating and take it as far as the supervisor has got by now."""
        opened = rating["created_at"]
        deadline, _ = self.calendar.add_working_days(opened.astimezone(self.tz).date(), self.rect_workdays)
        item = _Row("open", extra={"rating": rating, "deadline": deadline, "created_at": opened,
                                   "assignee": None, "action": None, "closed_at": None})
        item.events.append(_step("open", None, "open", None, opened, rating["comment"]))
        assignee = clerk if cause in ("attitude", "wait") and clerk is not None else self.supervisor
        at = self.later(opened, rng.choice((0, 1, 1, 2)), rng)
        if not self._fire_item(item, "assign", at, "请核实情况，按期整改并回访群众", assignee=assignee):
            return item
        if rng.random() < 0.5:
            at = self.later(at, rng.randint(1, 3), rng)
            if not self._fire_item(item, "follow_up", at, "已电话联系群众了解情况，整改进行中"):
                return item
        slow = rng.random() < 0.12
        at = self.later(at, rng.randint(14, 20) if slow else rng.randint(2, 8), rng)
        self._fire_item(item, "close", at, CLOSE_ACTIONS[cause], action=CLOSE_ACTIONS[cause])
        return item

    def _fire_item(self, item: _Row, trigger: str, at: datetime, note: str, **kwargs) -> bool:
        if at > self.now:
            return False
        before = rect_flow.fire(item, trigger, at=at, **kwargs)
        item.events.append(_step(trigger, before, item.state, self.supervisor, at, note))
        return True

    # --- cases ---

    def _cases_of_day(self, day: date, tickets: list[_Row], desks: list[_Desk], rng: random.Random) -> None:
        clerks = [desk.clerk for desk in desks if desk.window.number != STAFFED_WINDOWS[-1]] or self.clerks
        for ticket in tickets:
            service = ticket.service
            if ticket.state != "done" or service is None or rng.random() >= 0.35:
                continue
            modes = [m for m in service.modes if m in ("immediate", "once", "citywide")]
            if not modes:
                continue
            mode = "immediate" if "immediate" in modes and rng.random() < 0.7 else rng.choice(modes)
            at = ticket.started_at + (ticket.finished_at - ticket.started_at) * rng.uniform(0.3, 0.6)
            story = self._new_case(service, mode, ticket.finisher, at, rng, ticket=ticket)
            if mode == "immediate":
                done = ticket.finished_at - timedelta(seconds=rng.uniform(10, 40))
                if story.fire("complete_on_spot", ticket.finisher, max(done, at)) and rng.random() < 0.6:
                    story.fire("close", ticket.finisher, self.later(done, rng.randint(1, 3), rng))
            else:
                self._intake(story, ticket.finisher, at, rng)
        online = [s for s in self.services if "online" in s.modes]
        for _ in range(rng.randint(2, 5)):
            at = self.at(day, 0, rng.uniform(7.5 * 60, 22.5 * 60))
            if at <= self.now:
                self._online(self._new_case(rng.choice(online), "online", None, at, rng), clerks, rng)
        agency = [s for s in self.services if "agent" in s.modes]
        for _ in range(rng.choice((0, 1, 1, 2))):
            at = self.office_time(day, rng)
            if at <= self.now:
                by_agent = rng.random() < 0.5
                filer = rng.choice(self.agents) if by_agent or not clerks else rng.choice(clerks)
                story = self._new_case(rng.choice(agency), "agent", filer, at, rng)
                self._agency(story, clerks, by_agent, rng)

    def _new_case(self, service: ServiceItem, mode: str, actor: User | None, at: datetime, rng: random.Random,
                  ticket: _Row | None = None) -> "_Story":
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
        mail = mode == "once" or ("mail" in service.guide.get("delivery", []) and rng.random() < 0.25)
        address = f"广东省中山市西区{rng.choice(STREETS)}{rng.randint(1, 188)}号" if mail else None
        in_hand = mode != "online"
        materials = [{"name": m["name"], "original_seen": in_hand, "copies": 1 if in_hand else 0}
                     for m in service.materials if m["required"] or rng.random() < 0.5]
        workflow = case_flow.definition(mode)
        case = _Row(workflow.initial, extra={
            "service": service, "mode": mode, "workflow_version": workflow.version, "ticket": ticket,
            "applicant_name": name, "applicant_id_number": _id_number(rng), "applicant_phone": _phone(rng),
            "materials": materials, "deficiencies": [], "missing": [], "supplement_return": None,
            "delivery_method": "mail" if mail else "pickup", "delivery_address": address, "waybill_no": None,
            "assignee": None, "agent": None, "created_by": actor, "completed_on_spot": False,
            "visits": 1 if mode in ("immediate", "once", "citywide") else 0, "created_at": at,
            "accepted_at": None, "decided_at": None, "delivered_at": None, "closed_at": None,
            "pauses": [], "deliverer": None, "handover": None,
        })
        case.events.append(_step("create", None, case.state, actor, at, None,
                                 dict(APPLICANT) if mode == "online" else None))
        self.cases.append(case)
        return _Story(self, case, workflow, at, rng)

    def _intake(self, story: "_Story", clerk: User, at: datetime, rng: random.Random) -> None:
        """Take a case in at the window: accept, 容缺受理, 一次性告知补正 or refuse; then the back office."""
        case = story.case
        roll = rng.random()
        if roll < 0.04:
            story.fire("refuse", clerk, at, note=rng.choice(REFUSALS))
            return
        if roll < 0.12:
            missing = _some(rng, [m["name"] for m in case.service.materials if m["required"]])
            if not story.fire("request_supplement", clerk, at, data={"missing": missing}):
                return
            case.missing = missing
            at = story.at_workdays(rng.randint(1, 4))
            brought = [{"name": name, "original_seen": True, "copies": 1} for name in missing]
            if not story.fire("supplement", clerk, at, data={"materials": brought}):
                return
            case.materials = _merged(case.materials, brought)
            case.missing = []
            case.visits += 1
            at += timedelta(minutes=rng.uniform(3, 15))
        deferrable = [m["name"] for m in case.service.materials if m.get("deferrable")]
        if deferrable and rng.random() < 0.15:
            names = _some(rng, deferrable)
            due, _ = self.calendar.add_working_days(at.astimezone(self.tz).date(), 5)
            if not story.fire("accept_with_deficiency", clerk, at,
                              data={"deficiencies": names, "due": due.isoformat()}):
                return
            case.materials = [m for m in case.materials if m["name"] not in names]
            case.deficiencies = [{"name": name, "due": due.isoformat(), "received_at": None}
                                 for name in names]
        elif not story.fire("accept", clerk, at):
            return
        story.fire("dispatch", clerk, at)
        self._back_office(story, rng)

    def _online(self, story: "_Story", clerks: list[User], rng: random.Random) -> None:
        """An online application: sent by the applicant, pre-reviewed by a clerk, then the back office."""
        case = story.case
        if rng.random() < 0.05:
            return  # a draft left unsent
        sent = story.last + timedelta(minutes=rng.uniform(10, 120))
        if not story.fire("submit", None, sent, data=dict(APPLICANT)):
            return
        clerk = rng.choice(clerks)
        at = story.at_workdays(rng.choice((0, 1, 1)))
        roll = rng.random()
        if roll < 0.04:
            story.fire("refuse", clerk, at, note=rng.choice(REFUSALS))
            return
        if roll < 0.14:
            missing = _some(rng, [m["name"] for m in case.service.materials if m["required"]])
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
            self._back_office(story, rng)

    def _agency(self, story: "_Story", clerks: list[User], by_agent: bool, rng: random.Random) -> None:
        """代理办: an agent takes the request (or is given it), files it, and a clerk accepts it."""
        case = story.case
        at = story.at_workdays(rng.choice((0, 0, 1)))
        if by_agent:
            agent = case.created_by
            done = story.fire("assign_agent", agent, at, data=None, agent=agent)
        else:
            agent = rng.choice(self.agents)
            done = story.fire("assign_agent", self.supervisor, at, data={"agent": agent.username},
                              agent=agent)
        if not done or not story.fire("submit", agent, story.at_workdays(rng.randint(1, 3))):
            return
        clerk = rng.choice(clerks)
        at = story.at_workdays(rng.choice((0, 1)))
        if story.fire("accept", clerk, at):
            story.fire("dispatch", clerk, at)
            self._back_office(story, rng)

    def _back_office(self, story: "_Story", rng: random.Random) -> None:
        """Claim, maybe 补正 or §45, decide (mostly in time), hand over at the window or by mail, close."""
        case = story.case
        approver = self.approvers[case.service.department_id]
        if rng.random() < 0.02:  # the applicant withdraws: online himself, else through the window or agent
            story.fire("withdraw", case.created_by, story.at_workdays(rng.choice((0, 1))),
                       note="申请人申请撤回", data=dict(APPLICANT) if case.mode == "online" else None)
            return
        if not story.fire("claim", approver, story.at_workdays(rng.choice((0, 0, 1))), actor_row=approver):
            return
        promised = case.service.promised_days
        if promised and rng.random() < 0.08:
            missing = _some(rng, [m["name"] for m in case.service.materials])
            at = story.at_workdays(rng.randint(0, 1))
            if not story.fire("request_supplement", approver, at, data={"missing": missing}):
                return
            case.missing = missing
            case.pauses.append({"kind": "supplement", "started_at": at, "ended_at": None})
            filer = case.agent if case.agent is not None else rng.choice(self.clerks)
            at = story.at_workdays(rng.randint(2, 5))
            brought = [{"name": name, "original_seen": True, "copies": 1} for name in missing]
            if not story.fire("supplement", filer, at, data={"materials": brought}):
                return
            case.pauses[-1]["ended_at"] = at
            case.materials = _merged(case.materials, brought)
            case.missing = []
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
        trigger, at, opinion = self._decision(story, rng)
        if not story.fire(trigger, approver, at, note=opinion):
            return
        self._hand_over(story, approver, rng)

    def _decision(self, story: "_Story", rng: random.Random) -> tuple:
        case = story.case
        accepted_on = case.accepted_at.astimezone(self.tz).date()
        pauses = [Pause(p["started_at"].astimezone(self.tz).date(), p["ended_at"].astimezone(self.tz).date())
                  for p in case.pauses]
        deadline = deadline_of(self.calendar, accepted_on, case.service.promised_days, pauses, accepted_on)
        last_day = story.last.astimezone(self.tz).date()
        if rng.random() < 0.1:
            day, _ = self.calendar.add_working_days(max(deadline, last_day), rng.randint(1, 3))
        else:
            spare = self.calendar.working_days_between(last_day, deadline) if deadline > last_day else 0
            early = int(rng.triangular(0, spare + 1, 0))  # most are decided well before the deadline
            day, _ = self.calendar.add_working_days(last_day, min(spare, early))
        at = self.office_time(day, rng, not_before=story.last)
        if rng.random() < 0.06:
            return "deny", at, DENIALS
        return "approve", at, APPROVALS

    def _hand_over(self, story: "_Story", approver: User, rng: random.Random) -> None:
        case = story.case
        at = story.last + timedelta(minutes=rng.uniform(5, 60))
        received = [d["name"] for d in case.deficiencies]
        handover = {"method": case.delivery_method, "collector_kind": None, "collector_id_number": None,
                    "id_checked": False, "proxy_letter": False, "signature_png": None}
        if case.delivery_method == "mail":
            at = story.at_workdays(rng.choice((0, 1)))  # posted with the day's mail
            waybill = f"SF{rng.randint(10 ** 11, 10 ** 12 - 1)}"
            if not story.fire("mail", approver, at, data={"waybill_no": waybill}, waybill_no=waybill):
                return
            mailed, at = at, story.at_workdays(rng.randint(1, 3))
            signed = mailed + (at - mailed) * rng.uniform(0.5, 0.9)  # the receipt comes back after
            handover |= {"collector_name": case.applicant_name, "signed_at": signed}
            kept = {"received": received,
                    "receipt": {"signed_by": case.applicant_name, "signed_at": clock.to_hall_iso(signed)}}
        else:
            if not story.fire("notify_pickup", approver, at):
                return
            at = story.at_workdays(rng.choice((0, 1, 1, 2, 3, 5)))
            if rng.random() < 0.15:  # 受托人 with the applicant's power of attorney
                name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
                handover |= {"collector_kind": "proxy", "collector_name": name,
                             "collector_id_number": _id_number(rng), "proxy_letter": True}
                kept = {"received": received, "collector": {"kind": "proxy", "name": name}}
            else:  # 本人, the ID card checked
                handover |= {"collector_kind": "self", "collector_name": case.applicant_name,
                             "collector_id_number": case.applicant_id_number, "id_checked": True}
                kept = {"received": received, "collector": {"kind": "self"}}
            handover["signed_at"] = None
        clerk = self._pickup_clerk(at.astimezone(self.tz).date())
        if not story.fire("deliver", clerk, at, data=kept):
            return
        case.handover = {**handover, "waybill_no": case.waybill_no, "clerk_id": clerk.id, "at": at}
        stamp = clock.to_hall_iso(at)
        case.deficiencies = [{**d, "received_at": d["received_at"] or stamp} for d in case.deficiencies]
        case.deliverer = clerk
        if case.delivery_method == "pickup":
            case.visits += 1
        if rng.random() < 0.3:
            self._rate(rng, at + timedelta(minutes=rng.uniform(10, 2 * 24 * 60)), case=case, channel="portal",
                       clerk=clerk)
        if rng.random() < 0.85:
            story.fire("close", rng.choice((clerk, self.supervisor)), story.at_workdays(rng.randint(0, 2)))

    def _pickup_clerk(self, day: date) -> User:
        for desk in self._staff(day):
            if desk.window.number == STAFFED_WINDOWS[-1]:
                return desk.clerk
        return self.clerks[0]

    # --- writing ---

    def write(self, days: int) -> HistorySummary:
        """Insert everything drawn, in bulk, with the counters of the days."""
        self._write_tickets()
        self._write_cases()
        self._write_ratings()
        db.session.flush()
        return HistorySummary(days, len(self.tickets), len(self.cases), len(self.ratings),
                              len(self.rectifications))

    def _write_tickets(self) -> None:
        if not self.tickets:
            return
        rows = [{
            "hall_id": self.hall.id, "queue_id": t.queue.id, "origin_queue_id": t.origin.id,
            "service_id": t.service.id if t.service else None, "service_date": t.service_date,
            "number": t.number,
            "state": t.state, "lane": t.lane, "priority_reason": t.priority_reason, "phone": t.phone,
            "window_id": t.window.id if t.window is not None else None, "issued_at": t.issued_at,
            "queued_at": t.queued_at, "called_at": t.called_at, "started_at": t.started_at,
            "finished_at": t.finished_at, "recalls": t.recalls,
        } for t in self.tickets]
        ids = _insert(Ticket, rows)
        events = []
        for ticket, ticket_id in zip(self.tickets, ids, strict=True):
            ticket.id = ticket_id
            events.extend({**event, "ticket_id": ticket_id} for event in ticket.events)
        _insert_rows(TicketEvent, events)
        counts: dict[tuple[int, date], int] = {}
        for ticket in self.tickets:
            key = (ticket.origin.id, ticket.service_date)
            counts[key] = max(counts.get(key, 0), int(ticket.number[len(ticket.origin.prefix):]))
        _raise_counters(TicketCounter, [({"queue_id": queue_id, "service_date": day}, last)
                                        for (queue_id, day), last in counts.items()])

    def _write_cases(self) -> None:
        if not self.cases:
            return
        self.cases.sort(key=lambda c: c.created_at)
        seqs: dict[date, int] = {}
        rows = []
        for case in self.cases:
            day = case.created_at.astimezone(self.tz).date()
            seq = seqs[day] = seqs.get(day, 0) + 1
            case.case_no = f"{self.hall.code.upper()}-{day:%Y%m%d}-{seq:04d}"
            rows.append({
                "case_no": case.case_no, "service_id": case.service.id, "mode": case.mode,
                "workflow_version": case.workflow_version, "state": case.state, "hall_id": self.hall.id,
                "department_id": case.service.department_id, "applicant_name": case.applicant_name,
                "applicant_id_number": case.applicant_id_number, "applicant_phone": case.applicant_phone,
                "ticket_id": case.ticket.id if case.ticket is not None else None, "parent_id": None,
                "materials": case.materials, "deficiencies": case.deficiencies, "missing": case.missing,
                "supplement_return": case.supplement_return, "delivery_method": case.delivery_method,
                "delivery_hall_id": self.hall.id, "delivery_address": case.delivery_address,
                "waybill_no": case.waybill_no, "assignee_id": _id(case.assignee), "agent_id": _id(case.agent),
                "created_by_id": _id(case.created_by), "completed_on_spot": case.completed_on_spot,
                "visits": case.visits, "created_at": case.created_at, "accepted_at": case.accepted_at,
                "decided_at": case.decided_at, "delivered_at": case.delivered_at, "closed_at": case.closed_at,
            })
        ids = _insert(Case, rows)
        events, pauses, handovers = [], [], []
        for case, case_id in zip(self.cases, ids, strict=True):
            case.id = case_id
            events.extend({**event, "case_id": case_id} for event in case.events)
            pauses.extend({**pause, "case_id": case_id} for pause in case.pauses)
            if case.handover is not None:
                handovers.append({**case.handover, "case_id": case_id})
        _insert_rows(CaseEvent, events)
        _insert_rows(CasePause, pauses)
        _insert_rows(CaseHandover, handovers)
        _raise_counters(CaseCounter, [({"hall_id": self.hall.id, "day": day}, n) for day, n in seqs.items()])

    def _write_ratings(self) -> None:
        if not self.ratings:
            return
        self.ratings.sort(key=lambda r: r["created_at"])
        rows = [{key: value for key, value in rating.items() if key not in ("ticket", "case")}
                | {"ticket_id": rating["ticket"].id if rating["ticket"] else None,
                   "case_id": rating["case"].id if rating["case"] else None} for rating in self.ratings]
        for rating, rating_id in zip(self.ratings, _insert(Rating, rows), strict=True):
            rating["id"] = rating_id
        if not self.rectifications:
            return
        items = [{"rating_id": item.rating["id"], "state": item.state, "deadline": item.deadline,
                  "assignee_id": _id(item.assignee), "action": item.action, "created_at": item.created_at,
                  "closed_at": item.closed_at} for item in self.rectifications]
        events = []
        for item, item_id in zip(self.rectifications, _insert(Rectification, items), strict=True):
            events.extend({**{k: v for k, v in event.items() if k != "data"}, "rectification_id": item_id}
                          for event in item.events)
        _insert_rows(RectificationEvent, events)


class _Story:
    """A case's way through its machine, step by step in time; it stops at the first step after now."""

    def __init__(self, world: _World, case: _Row, workflow, at: datetime, rng: random.Random) -> None:
        self.world, self.case, self.workflow, self.last, self.rng = world, case, workflow, at, rng
        self.stopped = False

    def at_workdays(self, workdays: int) -> datetime:
        """A moment of office hours that many working days after the last step."""
        return self.world.later(self.last, workdays, self.rng)

    def fire(self, trigger: str, actor: User | None, at: datetime, note: str | None = None,
             data: dict | None = None, actor_row: User | None = None, **kwargs) -> bool:
        """Move the case if the moment has come; return whether it moved."""
        if self.stopped or at > self.world.now:
            self.stopped = True
            return False
        at = max(at, self.last)
        before = self.workflow.fire(self.case, trigger, at=at, actor=actor_row or actor, **kwargs)
        self.case.events.append(_step(trigger, before, self.case.state, actor, at, note, data))
        self.last = at
        return True


# --- small helpers ---


def _ticket_event(trigger: str, before: str | None, ticket: _Row, actor: User | None, window,
                  at: datetime) -> dict:
    return {"trigger": trigger, "from_state": before, "to_state": ticket.state, "actor_id": _id(actor),
            "window_id": window.id if window is not None else None, "queue_id": ticket.queue.id, "at": at,
            "note": None}


def _step(trigger: str, before: str | None, after: str, actor: User | None, at: datetime, note: str | None,
          data: dict | None = None) -> dict:
    """A history row of a case (with its data) or of a rectification item (`data` left out there)."""
    return {"trigger": trigger, "from_state": before, "to_state": after, "actor_id": _id(actor), "at": at,
            "note": note, "data": data}


def _id(user) -> int | None:
    return user.id if user is not None else None


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert rows in bulk under ids taken beforehand (PostgreSQL: from the table's sequence); return them."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        ids = list(db.session.scalars(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                      {"s": sequence, "n": len(rows)}))
    else:  # SQLite: the write lock is held, nobody else adds rows meanwhile
        first = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
    _insert_rows(model, [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)])
    return ids


def _insert_rows(model, rows: list[dict]) -> None:
    """Insert rows in one executemany (Core: every row the same columns, None included)."""
    if rows:
        db.session.execute(insert(model.__table__), rows)


def _raise_counters(model, keyed: list[tuple[dict, int]]) -> None:
    """Set day counters to at least the numbers given out, creating the rows that are missing."""
    if not keyed:
        return
    names = list(keyed[0][0])
    columns = [model.__table__.c[name] for name in names]
    days = [key[names[-1]] for key, _ in keyed]
    rows = db.session.execute(select(*columns, model.__table__.c.last_seq)
                              .where(columns[-1] >= min(days), columns[-1] <= max(days)))
    have = {tuple(row[:-1]): row[-1] for row in rows}
    missing = []
    for key, last in keyed:
        known = have.get(tuple(key.values()))
        if known is None:
            missing.append({**key, "last_seq": last})
        elif known < last:
            db.session.execute(update(model).filter_by(**key).values(last_seq=last))
    _insert_rows(model, missing)


def _some(rng: random.Random, names: list[str]) -> list[str]:
    return rng.sample(names, min(len(names), rng.choice((1, 1, 2))))


def _merged(have: list[dict], brought: list[dict]) -> list[dict]:
    merged = {m["name"]: m for m in have}
    merged.update({m["name"]: m for m in brought})
    return list(merged.values())


def _phone(rng: random.Random) -> str:
    prefix = rng.choice(("138", "139", "135", "137", "150", "158", "186", "189", "199"))
    return f"{prefix}{rng.randrange(10 ** 8):08d}"


def _id_number(rng: random.Random) -> str:
    """A resident ID number of 中山 (442000) with a valid check digit (GB 11643)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    body = f"442000{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
