"""Writing what was drawn: tickets, cases, ratings and their history rows in bulk, the day counters raised."""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, text, update

from queue_server.cases.models import Case, CaseCounter, CaseEvent, CaseHandover, CasePause
from queue_server.demo_history.rows import id_of
from queue_server.extensions import db
from queue_server.queue.models import Ticket, TicketCounter, TicketEvent
from queue_server.supervision.models import Rating, Rectification, RectificationEvent

if TYPE_CHECKING:
    from queue_server.demo_history.world import World


@dataclass(frozen=True)
class HistorySummary:
    """What a load added: the days filled and the rows of each kind."""

    days: int = 0
    tickets: int = 0
    cases: int = 0
    ratings: int = 0
    rectifications: int = 0


def write(world: "World", days: int) -> HistorySummary:
    """Insert everything drawn, in bulk, with the counters of the days."""
    _write_tickets(world)
    _write_cases(world)
    _write_ratings(world)
    db.session.flush()
    return HistorySummary(
        days, len(world.tickets), len(world.cases), len(world.ratings), len(world.rectifications)
    )


def _write_tickets(world: "World") -> None:
    if not world.tickets:
        return
    rows = [
        {
            "hall_id": world.hall.id,
            "queue_id": t.queue.id,
            "origin_queue_id": t.origin.id,
            "service_id": id_of(t.service),
            "service_date": t.service_date,
            "number": t.number,
            "state": t.state,
            "lane": t.lane,
            "priority_reason": t.priority_reason,
            "phone": t.phone,
            "window_id": id_of(t.window),
            "issued_at": t.issued_at,
            "queued_at": t.queued_at,
            "called_at": t.called_at,
            "started_at": t.started_at,
            "finished_at": t.finished_at,
            "recalls": t.recalls,
        }
        for t in world.tickets
    ]
    events = []
    for ticket, ticket_id in zip(world.tickets, _insert(Ticket, rows), strict=True):
        ticket.id = ticket_id
        events.extend({**event, "ticket_id": ticket_id} for event in ticket.events)
    _insert_rows(TicketEvent, events)
    counts: dict[tuple[int, date], int] = {}
    for ticket in world.tickets:
        key = (ticket.origin.id, ticket.service_date)
        counts[key] = max(counts.get(key, 0), int(ticket.number[len(ticket.origin.prefix) :]))
    _raise_counters(
        TicketCounter,
        [({"queue_id": queue_id, "service_date": day}, last) for (queue_id, day), last in counts.items()],
    )


def _write_cases(world: "World") -> None:
    if not world.cases:
        return
    world.cases.sort(key=lambda c: c.created_at)
    seqs: dict[date, int] = {}
    rows = []
    for case in world.cases:
        day = case.created_at.astimezone(world.tz).date()
        seq = seqs[day] = seqs.get(day, 0) + 1
        case.case_no = f"{world.hall.code.upper()}-{day:%Y%m%d}-{seq:04d}"
        rows.append(
            {
                "case_no": case.case_no,
                "service_id": case.service.id,
                "mode": case.mode,
                "workflow_version": case.workflow_version,
                "state": case.state,
                "hall_id": world.hall.id,
                "jurisdiction_id": world.hall.id,  # the demo history's hall is a district hall
                "department_id": case.service.department_id,
                "applicant_name": case.applicant_name,
                "applicant_id_number": case.applicant_id_number,
                "applicant_phone": case.applicant_phone,
                "ticket_id": id_of(case.ticket),
                "parent_id": None,
                "materials": case.materials,
                "deficiencies": case.deficiencies,
                "missing": case.missing,
                "supplement_return": case.supplement_return,
                "delivery_method": case.delivery_method,
                "delivery_hall_id": world.hall.id,
                "delivery_address": case.delivery_address,
                "waybill_no": case.waybill_no,
                "assignee_id": id_of(case.assignee),
                "agent_id": id_of(case.agent),
                "created_by_id": id_of(case.created_by),
                "completed_on_spot": case.completed_on_spot,
                "visits": case.visits,
                "created_at": case.created_at,
                "accepted_at": case.accepted_at,
                "decided_at": case.decided_at,
                "delivered_at": case.delivered_at,
                "closed_at": case.closed_at,
            }
        )
    events, pauses, handovers = [], [], []
    for case, case_id in zip(world.cases, _insert(Case, rows), strict=True):
        case.id = case_id
        events.extend({**event, "case_id": case_id} for event in case.events)
        pauses.extend({**pause, "case_id": case_id} for pause in case.pauses)
        if case.handover is not None:
            handovers.append({**case.handover, "case_id": case_id})
    _insert_rows(CaseEvent, events)
    _insert_rows(CasePause, pauses)
    _insert_rows(CaseHandover, handovers)
    _raise_counters(CaseCounter, [({"hall_id": world.hall.id, "day": day}, n) for day, n in seqs.items()])


def _write_ratings(world: "World") -> None:
    if not world.ratings:
        return
    world.ratings.sort(key=lambda r: r["created_at"])
    rows = [
        {key: value for key, value in rating.items() if key not in ("ticket", "case")}
        | {"ticket_id": id_of(rating["ticket"]), "case_id": id_of(rating["case"])}
        for rating in world.ratings
    ]
    for rating, rating_id in zip(world.ratings, _insert(Rating, rows), strict=True):
        rating["id"] = rating_id
    if not world.rectifications:
        return
    items = [
        {
            "rating_id": item.rating["id"],
            "state": item.state,
            "deadline": item.deadline,
            "assignee_id": id_of(item.assignee),
            "action": item.action,
            "created_at": item.created_at,
            "closed_at": item.closed_at,
        }
        for item in world.rectifications
    ]
    events = []
    for item, item_id in zip(world.rectifications, _insert(Rectification, items), strict=True):
        events.extend(
            {**{k: v for k, v in event.items() if k != "data"}, "rectification_id": item_id}
            for event in item.events
        )
    _insert_rows(RectificationEvent, events)


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert rows in bulk under ids taken beforehand (PostgreSQL: from the table's sequence); return them."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
        ids = list(
            db.session.scalars(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": sequence, "n": len(rows)}
            )
        )
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
    rows = db.session.execute(
        select(*columns, model.__table__.c.last_seq).where(columns[-1] >= min(days), columns[-1] <= max(days))
    )
    have = {tuple(row[:-1]): row[-1] for row in rows}
    missing = []
    for key, last in keyed:
        known = have.get(tuple(key.values()))
        if known is None:
            missing.append({**key, "last_seq": last})
        elif known < last:
            db.session.execute(update(model).filter_by(**key).values(last_seq=last))
    _insert_rows(model, missing)
