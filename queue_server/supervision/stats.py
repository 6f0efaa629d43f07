"""五办 figures of a hall for a period: tickets, cases by mode and on time, ratings; by group; as files.

Every figure counts by the hall date of its event (CONTRACT.md): tickets by issue date (`served` =
finished, wait = first call − issue, service = finish − start), cases by creation date, `on_time_rate`
over the cases decided in the period, ratings by rating date (`bad` = grades 1 and 2). With
``group_by`` the same figures are given per mode, queue, window, clerk, department or hall, beside the
totals. With ``include=children`` they are summed over the hall and every hall below it (三级联动).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases.models import Case
from queue_server.cases.rules import case_clock_of
from queue_server.citizen.models import ServiceItem
from queue_server.errors import InvalidRequest
from queue_server.extensions import db
from queue_server.queue import tree
from queue_server.queue.models import Department, Hall, Queue, Ticket, TicketEvent, Window
from queue_server.supervision.models import Rating
from queue_server.supervision.schemas import StatsQuery
from workflows import case as case_flow

GROUP_NAMES = {
    "mode": "办理模式",
    "queue": "队列",
    "window": "窗口",
    "clerk": "工作人员",
    "department": "部门",
    "hall": "服务大厅",
}
UNASSIGNED = "未关联"

# The columns of the CSV and XLSX files: (path in the figures, heading).
EXPORT_COLUMNS = [
    ("key", "分组代码"),
    ("name", "名称"),
    ("tickets.issued", "取号数"),
    ("tickets.served", "办结号数"),
    ("tickets.no_show", "过号数"),
    ("tickets.avg_wait_s", "平均等候（秒）"),
    ("tickets.avg_service_s", "平均办理（秒）"),
    *[(f"cases.by_mode.{mode}", f"{case_flow.MODE_NAMES[mode]}（件）") for mode in case_flow.MODE_NAMES],
    ("cases.citywide", "同城办（件）"),
    ("cases.no_visit", "不见面办结（件）"),
    ("cases.decided", "期内办结（件）"),
    ("cases.on_time", "按时办结（件）"),
    ("cases.on_time_rate", "按时办结率"),
    ("ratings.count", "评价数"),
    ("ratings.average", "平均评分"),
    ("ratings.bad", "差评数"),
]


@dataclass
class Figures:
    """The running counts of one group (or of the whole hall)."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    waits: list[float] = field(default_factory=list)
    services: list[float] = field(default_factory=list)
    by_mode: dict[str, int] = field(default_factory=lambda: dict.fromkeys(case_flow.MODE_NAMES, 0))
    decided: int = 0
    on_time: int = 0
    citywide: int = 0  # 同城办: decided in another district than it was accepted, or picked up elsewhere
    no_visit: int = 0  # 不见面: online cases handed over without the applicant coming in
    grades: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    """The figures of one group: its key as shown (null: not attributable) and its name."""

    key: str | None
    name: str
    figures: Figures


@dataclass(frozen=True)
class HallFigures:
    """The hall's figures for a period, in total and (with ``group_by``) per group."""

    hall: Hall
    start: date
    end: date
    group_by: str | None
    total: Figures
    groups: list[Group] | None
    include: str | None = None
    halls: list[str] = field(default_factory=list)  # the codes of the halls counted


def period_of(query: StatsQuery) -> tuple[date, date]:
    """Return the period asked for: by default the month up to today (a lone `to`: its month)."""
    to = query.to or clock.today()
    start = query.from_ or to.replace(day=1)
    if to < start:
        raise InvalidRequest({"to": "结束日期不能早于开始日期"})
    return start, to


def hall_figures(hall: Hall, query: StatsQuery, actor: User) -> HallFigures:
    """Count the hall's figures for the period, in total and (with group_by) per group."""
    policy.require(actor, "hall.supervise", hall_id=hall.id)
    return count_figures(hall, query)


def count_figures(hall: Hall, query: StatsQuery) -> HallFigures:
    """Count the figures without asking who wants them (the public 办结公示 page shows some of them)."""
    # Every hall below one the user may watch is watched too (policy: hall.supervise).
    hall_ids = tree.subtree_ids(hall.id) if query.include == "children" else [hall.id]
    start, end = period_of(query)
    since, until = _bounds(start, end)
    by = query.group_by
    total: Figures = Figures()
    groups: dict[object, Figures] = {}

    def add(key) -> list[Figures]:
        if by is None:
            return [total]
        return [total, groups.setdefault(key, Figures())]

    for row in _tickets(hall_ids, start, end, by):
        for figures in add(row.key):
            figures.issued += 1
            figures.served += row.state == "done"
            figures.no_show += row.state == "no_show"
            if row.called_at:
                figures.waits.append((row.called_at - row.issued_at).total_seconds())
            if row.state == "done" and row.started_at and row.finished_at:
                figures.services.append((row.finished_at - row.started_at).total_seconds())

    districts: dict[int, int | None] = {}
    for case in _cases(hall_ids, Case.created_at >= since, Case.created_at < until):
        if case.hall_id not in districts:
            districts[case.hall_id] = tree.district_id(case.hall_id)
        elsewhere = case.jurisdiction_id != districts[case.hall_id] or case.delivery_hall_id != case.hall_id
        for figures in add(_case_key(case, by)):
            figures.by_mode[case.mode] += 1
            figures.citywide += elsewhere
    calendar = hall_calendar()
    for case in _cases(hall_ids, Case.decided_at >= since, Case.decided_at < until):
        on_time = bool(case_clock_of(case, calendar=calendar).on_time)
        online = case.parent_id is None and case_flow.applied_online(case.mode, case.workflow_version)
        unseen = online and case.delivered_at is not None and case.visits == 0
        for figures in add(_case_key(case, by)):
            figures.decided += 1
            figures.on_time += on_time
            figures.no_visit += unseen

    for rating in db.session.scalars(
        select(Rating)
        .options(selectinload(Rating.ticket), selectinload(Rating.case))
        .where(Rating.hall_id.in_(hall_ids), Rating.created_at >= since, Rating.created_at < until)
    ):
        for figures in add(_rating_key(rating, by)):
            figures.grades.append(rating.grade)

    codes = list(db.session.scalars(select(Hall.code).where(Hall.id.in_(hall_ids))))
    counted = sorted(codes, key=lambda code: (code != hall.code, code))
    if by is None:
        return HallFigures(hall, start, end, by, total, None, query.include, counted)
    if by == "hall":  # every hall counted has its row, figures or not
        for hall_id in hall_ids:
            groups.setdefault(hall_id, Figures())
    names = _group_names(by, hall, [key for key in groups if key is not None])
    ordered = sorted(groups.items(), key=lambda item: (item[0] is None, names.get(item[0], ("", ""))[0]))
    return HallFigures(
        hall,
        start,
        end,
        by,
        total,
        [
            Group(None, UNASSIGNED, figures) if key is None else Group(names[key][1], names[key][2], figures)
            for key, figures in ordered
        ],
        query.include,
        counted,
    )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Return the instants at which the hall's first day begins and the day after the last begins."""
    tz = clock.hall_tz()
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


# --- reading the rows, with the key of each row's group ---


@dataclass(frozen=True)
class _TicketRow:
    key: object
    state: str
    issued_at: datetime
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


def _tickets(hall_ids: list[int], start: date, end: date, by: str | None) -> list[_TicketRow]:
    in_period = (Ticket.hall_id.in_(hall_ids), Ticket.service_date >= start, Ticket.service_date <= end)
    columns = [
        Ticket.id,
        Ticket.hall_id,
        Ticket.queue_id,
        Ticket.window_id,
        ServiceItem.department_id,
        Ticket.state,
        Ticket.issued_at,
        Ticket.called_at,
        Ticket.started_at,
        Ticket.finished_at,
    ]
    rows = db.session.execute(
        select(*columns).outerjoin(ServiceItem, Ticket.service_id == ServiceItem.id).where(*in_period)
    ).all()
    clerks: dict[int, int] = {}
    if by == "clerk":
        # A ticket's clerk is the one who acted on it last (call, start, finish, no-show).
        last = (
            select(func.max(TicketEvent.id))
            .join(Ticket, TicketEvent.ticket_id == Ticket.id)
            .where(*in_period, TicketEvent.actor_id.is_not(None))
            .group_by(TicketEvent.ticket_id)
        )
        clerks = dict(
            db.session.execute(
                select(TicketEvent.ticket_id, TicketEvent.actor_id).where(TicketEvent.id.in_(last))
            ).all()
        )
    keys = {
        None: lambda row: None,
        "mode": lambda row: None,  # a ticket has no mode; its case has
        "queue": lambda row: row.queue_id,
        "window": lambda row: row.window_id,
        "clerk": lambda row: clerks.get(row.id),
        "department": lambda row: row.department_id,
        "hall": lambda row: row.hall_id,
    }[by]
    return [
        _TicketRow(keys(row), row.state, row.issued_at, row.called_at, row.started_at, row.finished_at)
        for row in rows
    ]


def _cases(hall_ids: list[int], *when) -> list[Case]:
    return db.session.scalars(
        select(Case)
        .options(selectinload(Case.pauses), selectinload(Case.service))
        .where(Case.hall_id.in_(hall_ids), *when)
    ).all()


def _case_key(case: Case, by: str | None):
    if by == "mode":
        return case.mode
    if by == "queue":
        return _queue_id(case.hall_id, case.service.queue_code)
    if by == "window":
        ticket = db.session.get(Ticket, case.ticket_id) if case.ticket_id else None
        return ticket.window_id if ticket else None
    if by == "clerk":
        return case.created_by_id
    if by == "department":
        return case.department_id
    if by == "hall":
        return case.hall_id
    return None


def _rating_key(rating: Rating, by: str | None):
    ticket, case = rating.ticket, rating.case
    if by == "mode":
        return case.mode if case else None
    if by == "queue":
        return ticket.queue_id if ticket else _queue_id(case.hall_id, case.service.queue_code)
    if by == "window":
        return rating.window_id
    if by == "hall":
        return rating.hall_id
    if by == "clerk":
        return rating.clerk_id
    if by == "department":
        if case:
            return case.department_id
        return ticket.service.department_id if ticket.service else None
    return None


def _queue_id(hall_id: int, code: str) -> int | None:
    return db.session.scalar(select(Queue.id).where(Queue.hall_id == hall_id, Queue.code == code))


def _group_names(by: str, hall: Hall, keys: list) -> dict:
    """Return {key: (sort key, code shown, name shown)} for the groups found."""
    if by == "mode":
        order = list(case_flow.MODE_NAMES)  # the five modes, then 主题式 bundles
        return {mode: (order.index(mode), mode, case_flow.MODE_NAMES[mode]) for mode in keys}
    if by == "queue":
        rows = db.session.scalars(select(Queue).where(Queue.id.in_(keys)))
        return {q.id: (q.prefix, q.code, q.name) for q in rows}
    if by == "window":
        rows = db.session.scalars(select(Window).where(Window.id.in_(keys)))
        return {w.id: (f"{w.number:04d}", str(w.number), w.name) for w in rows}
    if by == "clerk":
        rows = db.session.scalars(select(User).where(User.id.in_(keys)))
        return {u.id: (u.username, u.username, u.name) for u in rows}
    if by == "hall":  # in the tree's order: the hall first, then each branch below it
        rows = tree.ordered(list(db.session.scalars(select(Hall).where(Hall.id.in_(keys)))))
        return {h.id: (f"{place:04d}", h.code, h.name) for place, h in enumerate(rows)}
    rows = db.session.scalars(select(Department).where(Department.id.in_(keys)))
    return {d.id: (d.code, d.code, d.name) for d in rows}


# --- files ---


def export_rows(figures: dict) -> list[list]:
    """Lay the figures out as rows under EXPORT_COLUMNS: the totals (合计) first, then each group."""
    rows = [{"key": "total", "name": "合计", **figures}] + list(figures.get("groups", []))
    return [[_pick(row, path) for path, _ in EXPORT_COLUMNS] for row in rows]


def _pick(row: dict, path: str):
    value = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def export_name(figures: dict, extension: str) -> str:
    suffix = "-children" if figures.get("include") == "children" else ""
    suffix += f"-{figures['group_by']}" if figures.get("group_by") else ""
    return f"wuban-stats-{figures['hall']}-{figures['from']}-{figures['to']}{suffix}.{extension}"


def to_csv(figures: dict) -> bytes:
    """Write the figures as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading for _, heading in EXPORT_COLUMNS])
    writer.writerows([["" if value is None else value for value in row] for row in export_rows(figures)])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(figures: dict) -> bytes:
    """Write the figures as an XLSX workbook: the table, and a sheet naming the hall and period."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "五办统计"
    sheet.append([heading for _, heading in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(figures):
        sheet.append(row)
    rate_column = [path for path, _ in EXPORT_COLUMNS].index("cases.on_time_rate") + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=rate_column, max_col=rate_column):
        cell.number_format = "0.0%"
    sheet.freeze_panes = "C2"
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 14
    about = book.create_sheet("说明")
    for label, value in [
        ("服务大厅", figures["hall_name"]),
        ("大厅代码", figures["hall"]),
        ("起始日期", figures["from"]),
        ("结束日期", figures["to"]),
        ("分组", GROUP_NAMES.get(figures.get("group_by"), "不分组")),
        ("统计范围", "本大厅及下级大厅汇总" if figures.get("include") == "children" else "本大厅"),
        ("所含大厅", "、".join(figures.get("halls") or [figures["hall"]])),
        ("生成时间", clock.to_hall_iso(clock.now())),
    ]:
        about.append([label, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
