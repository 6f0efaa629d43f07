"""The outbox: what operations record as having happened, handed on only once their transaction commits.

An operation records a fact, the name of what happened and the ids it concerns (``record("ticket_called",
ticket.id, call.id)``, ``record("sms", message)``); nothing is built or sent while the transaction is
open. When the session commits, its facts move to the committed list; when the outermost transaction
rolls back they are dropped (``after_soft_rollback``: a savepoint's rollback keeps the outer facts).
``take_committed`` hands them, in the order they were recorded, to whoever sends them: the realtime
package builds the Socket.IO payloads from the rows and emits them, the notify package sends the SMS
(``queue_server/realtime/events.py``, after each request and after each scheduler run).

This module imports no domain, so every domain can record into it without an import circle.
"""

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from queue_server.extensions import db

_PENDING = "wuban.outbox.pending"
_COMMITTED = "wuban.outbox.committed"


def record(fact: str, *args) -> None:
    """Record that ``fact`` happened to the rows named by ``args``; it goes out once the session commits."""
    db.session.info.setdefault(_PENDING, []).append((fact, *args))


def take_committed(session: Session | None = None) -> list[tuple]:
    """Take the facts of the session's committed transactions, oldest first."""
    return (session or db.session).info.pop(_COMMITTED, None) or []


@sa_event.listens_for(Session, "after_commit")
def _on_commit(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


@sa_event.listens_for(Session, "after_soft_rollback")
def _on_rollback(session, previous_transaction) -> None:
    # Only the outermost rollback undoes the work; after_rollback would also fire for a savepoint.
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
