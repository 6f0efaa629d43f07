"""Waiting counts: the tallies every move into or out of ``waiting`` keeps, and counts shared per process.

The tables' handles and the dialect helpers used by the statements of ``tickets`` and ``calling``
live here too.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import (
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from queue_server.calendar import clock
from queue_server.extensions import db
from queue_server.queue import estimates
from queue_server.queue.models import Hall, Queue, Ticket, TicketCounter, TicketEvent, WaitingTally, Window

_TICKETS, _EVENTS, _TALLIES, _COUNTERS = (
    Ticket.__table__,
    TicketEvent.__table__,
    WaitingTally.__table__,
    TicketCounter.__table__,
)
_QUEUES, _HALLS, _WINDOWS = Queue.__table__, Hall.__table__, Window.__table__
DIALECTS = ("postgresql", "sqlite")
# The tally row of every move into or out of the line except calls (those count on the window's row).
SHARED_SLOT = 0


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _insert_into(dialect: str):
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


# --- waiting counts: tallies kept by every move into or out of `waiting` ---


def _tally_upsert(dialect: str, source=None):
    """Build the upsert that adds a delta to a tally row (values, or rows of a SELECT)."""
    names = ["queue_id", "service_date", "lane", "slot", "waiting"]
    statement = _insert_into(dialect)(_TALLIES)
    if source is None:
        statement = statement.values(
            queue_id=bindparam("queue"),
            service_date=bindparam("day"),
            lane=bindparam("lane"),
            slot=bindparam("slot"),
            waiting=bindparam("delta"),
        )
    else:
        statement = statement.from_select(names, source)
    return statement.on_conflict_do_update(
        index_elements=[_TALLIES.c.queue_id, _TALLIES.c.service_date, _TALLIES.c.lane, _TALLIES.c.slot],
        set_={"waiting": _TALLIES.c.waiting + statement.excluded.waiting},
    )


_MOVE_WAITING = {dialect: _tally_upsert(dialect) for dialect in DIALECTS}


def move_waiting(queue_id: int, day: date, lane: int, delta: int, slot: int = SHARED_SLOT) -> None:
    """Add `delta` to the queue's waiting count of the day in a lane."""
    db.session.execute(
        _MOVE_WAITING[_dialect()], {"queue": queue_id, "day": day, "lane": lane, "slot": slot, "delta": delta}
    )


def count_waiting_change(ticket: Ticket, before: str | None) -> None:
    """Keep the waiting tallies right after a ticket went from `before` to its current state."""
    if (before == "waiting") == (ticket.state == "waiting"):
        return
    delta = 1 if ticket.state == "waiting" else -1
    move_waiting(ticket.queue.id, ticket.service_date, ticket.lane, delta)


_WAITING_COUNTS = (
    select(_TALLIES.c.queue_id, func.sum(_TALLIES.c.waiting))
    .where(
        _TALLIES.c.queue_id.in_(bindparam("queues", expanding=True)),
        _TALLIES.c.service_date == bindparam("day"),
    )
    .group_by(_TALLIES.c.queue_id)
)


def waiting_counts(queue_ids) -> dict[int, int]:
    """Return today's waiting tickets of each queue (a few tally rows each, however long the line)."""
    ids = list(queue_ids)
    if not ids:
        return {}
    rows = db.session.execute(_WAITING_COUNTS, {"queues": ids, "day": clock.today()})
    return {queue_id: int(waiting) for queue_id, waiting in rows}


@dataclass(frozen=True)
class QueueLine:
    """A queue with today's waiting count: a row of the queue lists, the board and the desk."""

    queue: Queue
    waiting: int

    # The queue's own code, name and prefix, as its answer shows them.
    code = property(lambda line: line.queue.code)
    name = property(lambda line: line.queue.name)
    prefix = property(lambda line: line.queue.prefix)

    @property
    def est_wait_s(self) -> int:
        """Estimate the wait a new ticket of the queue can expect (read when an answer shows it)."""
        return estimates.estimated_wait_s(self.queue, self.waiting)


def waiting_lines(queues) -> list[QueueLine]:
    """Return the queues with today's waiting counts (one query for all of them)."""
    queues = list(queues)
    counts = waiting_counts(queue.id for queue in queues)
    return [QueueLine(queue, counts.get(queue.id, 0)) for queue in queues]


def waiting_counts_after_commit(queue_ids) -> dict[int, int]:
    """Count today's waiting tickets of each queue with a count started after this request's commit."""
    shared = current_app.extensions.setdefault("wuban.shared_counts", SharedCounts())
    since = time.monotonic()
    return {queue_id: shared.count_after(queue_id, since) for queue_id in queue_ids}


class SharedCounts:
    """Waiting counts shared by the concurrent requests of one process (one per app).

    A queue_updated event carries a count taken after its change was committed. Under load many
    requests of a worker commit changes to the same queue at the same moment; each may use any count
    that started after its own commit, so one count query serves them all instead of one each.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, threading.Event]] = {}
        self._latest: dict[int, tuple[float, int]] = {}  # queue id -> (started, waiting)

    def count_after(self, queue_id: int, since: float) -> int:
        """Return a count of the queue's waiting tickets that started at `since` or later."""
        while True:
            with self._lock:
                latest = self._latest.get(queue_id)
                if latest is not None and latest[0] >= since:
                    return latest[1]
                running = self._running.get(queue_id)
                if running is None:
                    started, done = time.monotonic(), threading.Event()
                    self._running[queue_id] = (started, done)
                    break
            running[1].wait(timeout=5)  # a count started before `since` finishes; then look again
        try:
            waiting = waiting_counts([queue_id]).get(queue_id, 0)
            with self._lock:
                self._latest[queue_id] = (started, waiting)  # one count per queue runs at a time: the newest
            return waiting
        finally:
            with self._lock:
                del self._running[queue_id]
            done.set()
