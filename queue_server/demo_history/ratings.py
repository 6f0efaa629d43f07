"""好差评: ratings of served tickets and delivered cases, and the rectification items of the bad ones."""

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from queue_server.accounts.models import User
from queue_server.demo_history.rows import Row, id_of, step
from queue_server.supervision.models import BAD_GRADES
from workflows import rectification as rect_flow

if TYPE_CHECKING:
    from queue_server.demo_history.world import World

GRADES = (5, 4, 3, 2, 1)
GRADE_WEIGHTS = (80, 13, 4, 2, 1)
GRADE_WEIGHTS_LONG_WAIT = (55, 20, 12, 8, 5)
GOOD_COMMENTS = (
    "工作人员很耐心，一次就办好了",
    "效率高，不用跑第二趟",
    "指引清楚，服务热情",
    "窗口人员专业，点赞",
)
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


def rate_tickets(world: "World", tickets: list[Row], rng: random.Random) -> None:
    """Rate about a third of the served tickets, at the evaluator or later on the status page."""
    for ticket in tickets:
        if ticket.state != "done" or rng.random() >= 0.35:
            continue
        waited = (ticket.called_at - ticket.issued_at).total_seconds()
        evaluator = rng.random() < 0.85
        delay = timedelta(seconds=rng.uniform(5, 40) if evaluator else rng.uniform(120, 5400))
        rate(
            world,
            rng,
            ticket.finished_at + delay,
            ticket=ticket,
            long_wait=waited > 1800,
            channel="evaluator" if evaluator else "status_page",
            window=ticket.window,
            clerk=ticket.finisher,
        )


def rate(
    world: "World",
    rng: random.Random,
    at: datetime,
    *,
    ticket=None,
    case=None,
    long_wait=False,
    channel: str,
    window=None,
    clerk: User | None = None,
) -> None:
    """Add a rating given at `at` unless that is after now; a bad one opens its rectification item."""
    if at > world.now:
        return
    grade = rng.choices(GRADES, GRADE_WEIGHTS_LONG_WAIT if long_wait else GRADE_WEIGHTS)[0]
    cause = None
    comment = None
    if grade in BAD_GRADES:
        cause = "wait" if long_wait else rng.choice(("attitude", "trips", "guide", "wait"))
        comment = BAD_COMMENTS[cause]
    elif grade == 5 and rng.random() < 0.12:
        comment = rng.choice(GOOD_COMMENTS)
    rating = {
        "hall_id": world.hall.id,
        "ticket": ticket,
        "case": case,
        "grade": grade,
        "comment": comment,
        "channel": channel,
        "window_id": id_of(window),
        "clerk_id": id_of(clerk),
        "created_at": at,
    }
    world.ratings.append(rating)
    if grade in BAD_GRADES:
        world.rectifications.append(_rectify(world, rating, cause, clerk, rng))


def _rectify(world: "World", rating: dict, cause: str, clerk: User | None, rng: random.Random) -> Row:
    """Open the item of a bad rating and take it as far as the supervisor has got by now."""
    opened = rating["created_at"]
    deadline, _ = world.calendar.add_working_days(opened.astimezone(world.tz).date(), world.rect_workdays)
    item = Row(
        "open",
        extra={
            "rating": rating,
            "deadline": deadline,
            "created_at": opened,
            "assignee": None,
            "action": None,
            "closed_at": None,
        },
    )
    item.events.append(step("open", None, "open", None, opened, rating["comment"]))
    assignee = clerk if cause in ("attitude", "wait") and clerk is not None else world.supervisor
    at = world.later(opened, rng.choice((0, 1, 1, 2)), rng)
    if not _fire(world, item, "assign", at, "请核实情况，按期整改并回访群众", assignee=assignee):
        return item
    if rng.random() < 0.5:
        at = world.later(at, rng.randint(1, 3), rng)
        if not _fire(world, item, "follow_up", at, "已电话联系群众了解情况，整改进行中"):
            return item
    slow = rng.random() < 0.12
    at = world.later(at, rng.randint(14, 20) if slow else rng.randint(2, 8), rng)
    _fire(world, item, "close", at, CLOSE_ACTIONS[cause], action=CLOSE_ACTIONS[cause])
    return item


def _fire(world: "World", item: Row, trigger: str, at: datetime, note: str, **kwargs) -> bool:
    if at > world.now:
        return False
    before = rect_flow.fire(item, trigger, at=at, **kwargs)
    item.events.append(step(trigger, before, item.state, world.supervisor, at, note))
    return True
