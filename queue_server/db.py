"""Database plumbing: SQLite pragmas and write transactions that take the lock up front.

On SQLite a transaction that reads and then writes can fail to upgrade its lock when another
writer got there first. Mutating requests therefore open their transaction with BEGIN IMMEDIATE,
which waits (busy_timeout) for the single write lock instead; PostgreSQL needs nothing of this.
"""

import sqlite3
from datetime import datetime, timezone

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 15000


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below emit BEGIN itself, so it can say IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write() -> None:
    """Open the session's transaction as a write transaction (BEGIN IMMEDIATE on SQLite)."""
    session = db.session()
    if session.in_transaction():
        return
    session.connection(execution_options={"sqlite_immediate": True})


class UTCDateTime(TypeDecorator):
    """Store an aware datetime as naive UTC; load it back as aware UTC (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


# (table, key columns, dialect) -> the counter's upsert, built once: it runs on every ticket and case.
_SEQUENCE_STATEMENTS: dict[tuple, object] = {}


def next_in_sequence(counter_model, **key) -> int:
    """Increment a counter row (created at 1) in one atomic upsert and return its new value."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    cache_key = (counter_model.__table__.name, tuple(key), dialect)
    statement = _SEQUENCE_STATEMENTS.get(cache_key)
    if statement is None:
        table = counter_model.__table__
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _SEQUENCE_STATEMENTS[cache_key] = (
            insert(table)
            .values(**{name: bindparam(name) for name in key}, last_seq=1)
            .on_conflict_do_update(index_elements=[table.c[name] for name in key],
                                   set_={"last_seq": table.c.last_seq + 1})
            .returning(table.c.last_seq)
        )
    return db.session.execute(statement, key).scalar_one()
