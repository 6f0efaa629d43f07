"""办结公示 and the hall's public figures (承诺践诺、接受社会监督): what anyone may read about a hall's cases.

A day's page lists the cases the hall accepted and those it decided that day, per item, the
applicant masked; the figures of the month up to that day (on-time rate, satisfaction, cases by
五办 mode) are the supervisors' figures (``stats.count_figures``), not counted again, and the item
list in effect gives the items by mode. A bundle's parts are shown within their bundle, not apart.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case
from queue_server.cases.queries import mask_name
from queue_server.cases.rules import case_clock_of
from queue_server.citizen.items import find_services
from queue_server.extensions import db
from queue_server.queue.models import Hall
from queue_server.supervision.schemas import StatsQuery
from queue_server.supervision.stats import HallFigures, count_figures
from workflows import case as case_flow

DAY_LIMIT = 500  # rows per list and day: a district hall decides far fewer


@dataclass(frozen=True)
class PublicCase:
    """One case as the public list shows it: number, masked applicant, item, when, and the outcome."""

    case_no: str
    applicant: str
    service: str
    service_name: str
    mode: str
    at: datetime
    state: str
    on_time: bool | None = None


@dataclass
class ItemDay:
    """An item's cases of the day: accepted and decided."""

    service: str
    service_name: str
    accepted: list[PublicCase] = field(default_factory=list)
    decided: list[PublicCase] = field(default_factory=list)


@dataclass(frozen=True)
class Publicity:
    """A hall's 公示 of one day, and its figures of the month up to that day."""

    hall: Hall
    day: date
    items: list[ItemDay]
    figures: HallFigures
    items_by_mode: dict[str, int]


def hall_publicity(hall: Hall, day: date | None) -> Publicity:
    """Read the hall's 公示 of a day (today by default) and its figures of that month to date."""
    day = day or clock.today()
    tz = clock.hall_tz()
    since = datetime.combine(day, time(), tz)
    until = datetime.combine(day + timedelta(days=1), time(), tz)
    items: dict[str, ItemDay] = {}

    def item_of(case: Case) -> ItemDay:
        code = case.service.code
        return items.setdefault(code, ItemDay(code, case.service.name))

    for case in _cases(hall, Case.accepted_at >= since, Case.accepted_at < until):
        item_of(case).accepted.append(_public(case, case.accepted_at))
    calendar = hall_calendar()
    for case in _cases(hall, Case.decided_at >= since, Case.decided_at < until):
        on_time = case_clock_of(case, calendar=calendar).on_time
        item_of(case).decided.append(_public(case, case.decided_at, on_time))

    query = StatsQuery.model_validate({"from": day.replace(day=1), "to": day})
    return Publicity(
        hall,
        day,
        sorted(items.values(), key=lambda item: item.service),
        count_figures(hall, query),
        _items_by_mode(),
    )


def _cases(hall: Hall, *when) -> list[Case]:
    stmt = (
        select(Case)
        .options(joinedload(Case.service))
        .where(Case.hall_id == hall.id, Case.parent_id.is_(None), *when)
        .order_by(Case.id)
        .limit(DAY_LIMIT)
    )
    return list(db.session.scalars(stmt))


def _public(case: Case, at: datetime, on_time: bool | None = None) -> PublicCase:
    return PublicCase(
        case.case_no,
        mask_name(case.applicant_name),
        case.service.code,
        case.service.name,
        case.mode,
        at,
        case.state,
        on_time,
    )


def _items_by_mode() -> dict[str, int]:
    """Count the items in effect by the 五办 modes they can be handled in (an item counts once per mode)."""
    counts = dict.fromkeys(case_flow.MODE_NAMES, 0)
    for version in find_services():
        for mode in version.modes:
            counts[mode] = counts.get(mode, 0) + 1
    return counts
