"""Database plumbing: one SQLite writer at a time, PostgreSQL's timeouts and pool, and UTC datetimes.

SQLite allows one writer. Under gunicorn's green threads (eventlet, gevent) every green thread of a
worker shares one OS thread, and SQLite's busy handler sleeps in C: a green thread waiting there for
the write lock blocks the whole worker, so a green thread of the same worker that holds the lock and
yields (Flask-Limiter starting its expiry timer did, issue #11) never runs again until the busy
timeout, and every request of the worker fails. So a write transaction first takes this process's
write lock, on which green threads queue cooperatively, then says BEGIN IMMEDIATE; the lock is let go
at commit or rollback. SQLite's own busy timeout stays short and only meets writers of other
processes (a second worker, the scheduler), which are waited for with green sleeps between tries.
A lock that cannot be had within DB_LOCK_TIMEOUT_S answers 503 ``unavailable``.

On PostgreSQL call-next and counters need none of this (row locks); its connections carry a lock and
a statement timeout, so a blocked request answers 503 in seconds instead of waiting for minutes.
"""

import sqlite3
import threading
import time
import weakref
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import DateTime, ForeignKey, String, Text, bindparam, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from queue_server.extensions import db

# How long SQLite's busy handler may block the worker (and every green thread in it) at one go.
SQLITE_BUSY_TIMEOUT_MS = 50
_HOLDS_WRITE_LOCK = "wuban.holds_write_lock"
_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class DatabaseBusy(Exception):
    """The database's write lock could not be had in time (answered 503 unavailable)."""


class SQLiteWriter:
    """One writer per process at a time for a SQLite engine, queued cooperatively."""

    def __init__(self, lock_timeout_s: float) -> None:
        # Created when the app is built, so after eventlet or gevent patched threading: a green lock there.
        self._lock = threading.Lock()
        self.lock_timeout_s = lock_timeout_s

    def install(self, engine: Engine) -> None:
        """Listen on the engine's transactions: lock before a write begins, unlock when it ends."""
        _WRITERS[engine.pool] = self
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._on_end)
        event.listen(engine, "rollback", self._on_end)
        event.listen(engine.pool, "reset", lambda _dbapi, record, _state: self._release(record.info))
        event.listen(engine.pool, "invalidate", lambda _dbapi, record, _exc: self._release(record.info))

    def _acquire(self, info: dict, deadline: float) -> None:
        if info.get(_HOLDS_WRITE_LOCK):
            return
        if not self._lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise DatabaseBusy("another request of this process held the write lock too long")
        info[_HOLDS_WRITE_LOCK] = True

    def _release(self, info: dict) -> None:
        if info.pop(_HOLDS_WRITE_LOCK, False):
            self._lock.release()

    def begin_immediate(self, conn, timeout_s: float | None = None) -> None:
        """Take the process's write lock, then BEGIN IMMEDIATE, within the lock timeout."""
        deadline = time.monotonic() + (self.lock_timeout_s if timeout_s is None else timeout_s)
        self._acquire(conn.info, deadline)
        try:
            _begin_immediate(conn.connection.dbapi_connection, deadline)
        except BaseException:
            self._release(conn.info)
            raise

    def _before_execute(self, conn, _cursor, statement: str, _params, _context, _many) -> None:
        # A write in a transaction begun as a read (a path that forgot begin_write) still queues here
        # rather than in SQLite's busy handler.
        if not conn.info.get(_HOLDS_WRITE_LOCK) and statement.lstrip()[:6].upper() in _WRITE_STATEMENTS:
            self._acquire(conn.info, time.monotonic() + self.lock_timeout_s)

    def _on_end(self, conn) -> None:
        # Fired just before COMMIT or ROLLBACK runs; nothing between here and there yields to another
        # green thread, and an OS thread that gets in first waits briefly in the busy handler.
        self._release(conn.info)


def _begin_immediate(dbapi_connection: sqlite3.Connection, deadline: float) -> None:
    """Say BEGIN IMMEDIATE, waiting for another process's writer with green sleeps between tries."""
    pause = 0.002
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() + pause > deadline:
                raise DatabaseBusy("another process held SQLite's write lock too long") from exc
        time.sleep(pause)  # green under eventlet and gevent: the worker's other requests go on
        pause = min(pause * 2, 0.05)


# Set by begin_write() with no transaction open yet: the session's next transaction begins as a write.
_write_next: ContextVar[bool] = ContextVar("wuban_write_next", default=False)
# The writer of each SQLite engine's pool (an engine's execution-option copies share its pool).
_WRITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let the "begin" listener emit BEGIN itself, so it can say IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    if not (conn.get_execution_options().get("sqlite_immediate") or _write_next.get()):
        conn.exec_driver_sql("BEGIN")
        return
    _write_next.set(False)
    writer = _WRITERS.get(conn.engine.pool)
    if writer is None:  # an engine the app did not build (a tool's own): wait in SQLite alone
        _begin_immediate(conn.connection.dbapi_connection, time.monotonic() + 5)
    else:
        writer.begin_immediate(conn)


def engine_options(config: dict) -> dict:
    """Return the engine's pool and connection settings for the configured database."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    # Requests queue for one of a fixed number of connections (no overflow: no PostgreSQL backend
    # forked per request under load); one that waits longer than DB_POOL_TIMEOUT_S answers 503.
    pool = {
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": 0,
        "pool_timeout": config["DB_POOL_TIMEOUT_S"],
    }
    if url.startswith("postgresql"):
        lock_ms, statement_ms = (
            int(config["DB_LOCK_TIMEOUT_S"] * 1000),
            int(config["DB_STATEMENT_TIMEOUT_S"] * 1000),
        )
        options = f"-c lock_timeout={lock_ms} -c statement_timeout={statement_ms}"
        # No pre-ping (a round trip per checkout on the hot path): a connection found dead invalidates
        # the pool's older ones, and a read that met one is tried once more (queue_server.App).
        return {
            **pool,
            "pool_recycle": 1800,
            "connect_args": {
                "connect_timeout": config["DB_CONNECT_TIMEOUT_S"],
                "application_name": "wuban",
                "options": options,
            },
        }
    database = make_url(url).database
    if url.startswith("sqlite") and database and database != ":memory:" and "mode=memory" not in url:
        return pool
    return {}  # an in-memory SQLite database lives in one connection: SQLAlchemy picks its own pool


def init_database(app: Flask) -> None:
    """Set up the app's engine once it exists: SQLite's cooperative writer."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            SQLiteWriter(app.config["DB_LOCK_TIMEOUT_S"]).install(engine)
    app.teardown_appcontext(lambda _exc: _write_next.set(False))


def begin_write() -> None:
    """Make the session's transaction a write transaction (BEGIN IMMEDIATE on SQLite, after the lock).

    With no transaction open yet, the write begins at the session's first statement, so nothing
    that runs before it (a rate-limit check, reading the request) holds the lock.
    """
    session = db.session()
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "sqlite":
        _write_next.set(True)


class UTCDateTime(TypeDecorator):
    """Store an aware datetime as naive UTC; load it back as aware UTC (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def history_columns(trigger: int, state: int, note: TypeEngine | type[TypeEngine] = Text) -> type:
    """Make the mixin of an append-only history row: the trigger, the states, who acted, when and why."""
    trigger_type, state_type, note_type = String(trigger), String(state), note

    class HistoryColumns:
        trigger: Mapped[str] = mapped_column(trigger_type)
        from_state: Mapped[str | None] = mapped_column(state_type)
        to_state: Mapped[str] = mapped_column(state_type)
        actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
        at: Mapped[datetime] = mapped_column(UTCDateTime)
        note: Mapped[str | None] = mapped_column(note_type)

        @classmethod
        def of(cls, row, trigger: str, before: str | None, actor, at: datetime, note=None, **columns):
            """Build the entry of ``row`` having moved from ``before`` to its state by ``trigger``."""
            actor_id = actor.id if actor else None
            return cls(
                trigger=trigger,
                from_state=before,
                to_state=row.state,
                actor_id=actor_id,
                at=at,
                note=note,
                **columns,
            )

    return HistoryColumns


# (table, key columns, dialect) -> the counter's upsert, built once: it runs on every ticket and case.
_SEQUENCE_STATEMENTS: dict[tuple, object] = {}


def next_in_sequence(counter_model, **key) -> int:
    """Increment a counter row (created at 1) in one atomic upsert and return its new value."""
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
            .on_conflict_do_update(
                index_elements=[table.c[name] for name in key], set_={"last_seq": table.c.last_seq + 1}
            )
            .returning(table.c.last_seq)
        )
    return db.session.execute(statement, key).scalar_one()
