"""Load benchmark of the queue core (叫号): ticket issue at kiosks and call-next at windows.

Run from the repository root:

    .venv/bin/python bench/queue_bench.py [--clerks 32] [--kiosks 8] [--workers 2] [--database sqlite] ...

It builds a fresh database (PostgreSQL, or a temporary SQLite file with --database sqlite), loads the
demo hall, adds windows so that --clerks windows of hall ``xiqu`` all serve one queue, starts gunicorn
the production way, and drives it with asyncio + aiohttp in two phases: "issue" (kiosks only) and
"mixed" (clerks calling while kiosks issue; a window holds one ticket at a time, so each clerk lets the
called ticket go, --release, before calling again). It then checks that every issued ticket was called
exactly once, prints a table and writes JSON to bench/results/. --repeat and --matrix run it several
times and report medians; --sweep measures the cost per request at several line lengths; --peer puts
a peer's figures (bench/peers.json) beside ours. See bench/README.md. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import aiohttp
import psycopg2
from psycopg2 import sql

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
HALL = "xiqu"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
STAFF_USERS = ["clerk1", "clerk2", "clerk3", "clerk4", "clerk5", "clerk6", "admin"]
PEERS_FILE = REPO / "bench" / "peers.json"
HALL_TZ = ZoneInfo(os.environ.get("TZ_NAME", "Asia/Shanghai"))
# What a clerk sends after a call to let the ticket go (a window holds one ticket at a time).
# "with-call": call-next lets the held ticket go itself ({"release": "no_show"}: 过号并叫号, one request).
RELEASE_STEPS = {"no_show": ("no_show",), "finish": ("start", "finish"), "with-call": ()}
CALL_BODY = {"with-call": {"release": "no_show"}}
STEADY_MIN_S = 20.0  # a steady-state figure needs at least this long a stretch of calling with a line

# The target the README states for a busy hall.
TARGET_CLERKS = 32
TARGET_CALLS_PER_S = 300.0
TARGET_P95_MS = 50.0
# Issue #11's target for the hall as installed: SQLite, one eventlet worker, 8 kiosks and 8 clerks.
SQLITE_TARGET_RPS = 100.0
SQLITE_TARGET_P95_MS = 100.0

CLIENT_TIMEOUT_S = 30.0  # one request; gunicorn's worker timeout is 60 s
MAX_HTTP_ERRORS = 200  # per phase; beyond this the phase is aborted


class BenchAbort(Exception):
    """The run cannot go on (setup failed, server died, overall timeout)."""


# ----------------------------------------------------------------------------------------------
# small helpers


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self, floor: float = 0.0) -> float:
        left = self.end - time.monotonic()
        if left <= floor:
            raise BenchAbort("overall timeout (--timeout-s) reached")
        return left


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-q * len(sorted_values) // 100)))  # ceil(q/100 * n)
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency_stats(samples: list[tuple[float, float]], phase_start: float | None) -> dict:
    """samples: (t_end, latency_s). Wall time runs from the phase start to the last response."""
    n = len(samples)
    out = {
        "count": n,
        "wall_s": None,
        "rps": None,
        "mean_ms": None,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "max_ms": None,
    }
    if not n or phase_start is None:
        return out
    lat = sorted(s[1] * 1000.0 for s in samples)
    wall = max(s[0] for s in samples) - phase_start
    out.update(
        wall_s=round(wall, 3),
        rps=round(n / wall, 1) if wall > 0 else None,
        mean_ms=round(sum(lat) / n, 2),
        p50_ms=round(percentile(lat, 50), 2),
        p95_ms=round(percentile(lat, 95), 2),
        p99_ms=round(percentile(lat, 99), 2),
        max_ms=round(lat[-1], 2),
    )
    return out


def check_local_url(url: str, what: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOCAL_HOSTS:
        raise SystemExit(
            f"{what} must point at 127.0.0.1 (got host {host!r}); this benchmark never leaves the machine"
        )


def with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


SOURCE_PATHS = ("queue_server", "workflows", "wsgi.py", "gunicorn.conf.py")


def source_state() -> dict:
    """Fingerprint the server code the run uses: others edit it concurrently, so note what ran."""
    digest = hashlib.sha256()
    for root in SOURCE_PATHS:
        path = REPO / root
        files = (
            [path]
            if path.is_file()
            else sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        )
        for f in files:
            try:
                digest.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
            except OSError:
                pass
    state = {"sha256": digest.hexdigest()[:16], "git_head": None, "uncommitted": None}
    try:
        state["git_head"] = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
            ).stdout.strip()
            or None
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", *SOURCE_PATHS],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        state["uncommitted"] = [line.strip() for line in status.splitlines()]
    except (OSError, subprocess.SubprocessError):
        pass
    return state


def pg_connect(url: str):
    return psycopg2.connect(url, connect_timeout=10, options="-c statement_timeout=60000")


# ----------------------------------------------------------------------------------------------
# CPU accounting from /proc (who burns the 2 cores: client, gunicorn, PostgreSQL)

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int, children: bool = False) -> tuple[str, int, int, int] | None:
    """(comm, ppid, pgrp, utime+stime ticks) of a process, or None when it is gone.

    With ``children``, the last value is the CPU of its exited and reaped children instead (cutime+cstime).
    """
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rpar = raw.rfind(")")
    comm = raw[raw.find("(") + 1 : rpar]
    fields = raw[rpar + 2 :].split()
    # fields[0] is state (field 3); utime is field 14, stime 15, cutime 16, cstime 17 -> indexes 11..14
    if children:
        return comm, int(fields[1]), int(fields[2]), int(fields[13]) + int(fields[14])
    return comm, int(fields[1]), int(fields[2]), int(fields[11]) + int(fields[12])


def postmaster_pids() -> list[int]:
    """The PostgreSQL postmasters of this machine (a postgres process whose parent is not postgres)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(int(entry))
            if st and st[0].startswith("postgres"):
                parent = _proc_stat(st[1])
                if parent is None or not parent[0].startswith("postgres"):
                    found.append(int(entry))
    return found


def _system_ticks() -> tuple[int, int]:
    """(busy, total) jiffies summed over all CPUs."""
    with open("/proc/stat") as fh:
        vals = [int(v) for v in fh.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    total = sum(vals[:8])
    return total - idle, total


GROUPS = ("gunicorn", "postgres", "postgres_exited", "client", "other")


def _classify(
    pid: int, comm: str, pgrp: int, me: int, server_pgid: int | dict | None, dbname: str | None
) -> str:
    if pid == me:
        return "client"
    if isinstance(server_pgid, dict):  # {process group: group name}, e.g. two gunicorns, redis, nginx
        if pgrp in server_pgid:
            return server_pgid[pgrp]
    elif server_pgid is not None and pgrp == server_pgid:
        return "gunicorn"
    if comm.startswith("postgres") and dbname is None:
        return "other"  # a SQLite run: PostgreSQL is someone else's
    if comm.startswith("postgres"):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return "postgres"
        # "postgres: 15/main: user db host(port) state": a backend of another database is someone else's
        parts = cmdline.split()
        if len(parts) >= 5 and "(" in parts[4] and parts[3] != dbname:
            return "other"
        return "postgres"  # the bench database's backends and the shared background processes
    return "other"


def cpu_snapshot(server_pgid: int | None, dbname: str, known: dict[int, str] | None = None) -> dict:
    """Per-process CPU ticks, each process put in a group: gunicorn, postgres, client, other."""
    procs: dict[int, tuple[str, int]] = {}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        st = _proc_stat(pid)
        if st is None:
            continue
        comm, _ppid, pgrp, ticks = st
        group = known.get(pid) if known else None
        if group is None:
            group = _classify(pid, comm, pgrp, me, server_pgid, dbname)
            if known is not None:
                known[pid] = group
        procs[pid] = (group, ticks)
    busy, total = _system_ticks()
    reaped = {
        pid: (st[3] if st else 0) for pid in postmaster_pids() for st in [_proc_stat(pid, children=True)]
    }
    return {"t": time.monotonic(), "procs": procs, "busy": busy, "total": total, "reaped": reaped}


class CpuSampler(threading.Thread):
    """Sums CPU per group over short intervals, so short-lived processes (others' test runs) count too.

    PostgreSQL backends that start and exit between two samples are never seen alive: their CPU is
    read from the postmaster's reaped-children time (cutime + cstime), less what was already counted
    of the backends seen alive that exited since, as ``postgres_exited`` (any database: a backend not
    seen alive cannot be told apart).
    """

    def __init__(self, server_pgid: int | None, dbname: str | None, interval: float = 0.5):
        super().__init__(daemon=True, name="cpu-sampler")
        self.server_pgid, self.dbname, self.interval = server_pgid, dbname, interval
        self.stop_event = threading.Event()
        self.known: dict[int, str] = {}
        self.comm: dict[int, bool] = {}
        self.postgres_pids: set[int] = set()
        self.used: Counter = Counter()
        self.server: Counter = Counter()
        self.first = self.last = cpu_snapshot(server_pgid, dbname, self.known)
        self.postgres_pids = {pid for pid in self.last["procs"] if self._is_postgres(pid)}

    def _step(self) -> None:
        snap = cpu_snapshot(self.server_pgid, self.dbname, self.known)
        for pid, (group, ticks) in snap["procs"].items():
            before = self.last["procs"].get(pid)
            # a process first seen now started within the interval: count all it used
            delta = max(ticks - before[1] if before else ticks, 0)
            self.used[group] += delta
            if group.startswith("gunicorn"):
                self.server[pid] += delta
        # backends that exited since the last sample: the postmaster's reaped time grew by all they used
        reaped = sum(
            max(ticks - self.last["reaped"].get(pid, ticks), 0) for pid, ticks in snap["reaped"].items()
        )
        seen = sum(
            ticks
            for pid, (group, ticks) in self.last["procs"].items()
            if pid not in snap["procs"]
            and self.known.get(pid) in ("postgres", "other")
            and pid in self.postgres_pids
        )
        # a SQLite run uses no PostgreSQL: whatever its backends did is someone else's
        self.used["postgres_exited" if self.dbname else "other"] += max(reaped - seen, 0)
        self.postgres_pids |= {pid for pid in snap["procs"] if pid in self.known and self._is_postgres(pid)}
        self.last = snap

    def _is_postgres(self, pid: int) -> bool:
        cached = self.comm.get(pid)
        if cached is None:
            st = _proc_stat(pid)
            cached = self.comm[pid] = bool(st and st[0].startswith("postgres"))
        return cached

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self._step()

    def finish(self) -> dict:
        self.stop_event.set()
        self.join(timeout=5)
        self._step()
        wall = self.last["t"] - self.first["t"]
        if wall <= 0:
            return {}
        pct = lambda ticks: round(100.0 * ticks / _CLK_TCK / wall, 1)  # noqa: E731
        cores = os.cpu_count() or 1
        total = self.last["total"] - self.first["total"]
        busy = self.last["busy"] - self.first["busy"]
        names = GROUPS + tuple(sorted(set(self.used) - set(GROUPS)))
        out = {name: pct(self.used[name]) for name in names}
        out["gunicorn_per_process"] = {str(pid): pct(t) for pid, t in sorted(self.server.items())}
        out["cpu_s"] = {name: round(self.used[name] / _CLK_TCK, 2) for name in names}
        out["machine_busy_pct_of_all_cores"] = round(100.0 * busy / total, 1) if total else None
        # kernel work (softirq of the loopback traffic) and processes that lived less than an interval
        out["unattributed"] = (
            round(100.0 * busy / total * cores - sum(out[name] for name in names), 1) if total else None
        )
        out["cores"] = cores
        out["wall_s"] = round(wall, 2)
        return out


# ----------------------------------------------------------------------------------------------
# pg_stat_activity sampler: what the server's connections are doing / waiting on


class PgSampler(threading.Thread):
    def __init__(self, url: str, dbname: str, interval: float, stop_at: float):
        super().__init__(daemon=True, name="pg-sampler")
        self.url, self.dbname, self.interval, self.stop_at = url, dbname, interval, stop_at
        self.stop_event = threading.Event()
        self.samples = 0
        self.states: Counter = Counter()
        self.lock_waits: Counter = Counter()
        self.error: str | None = None

    def run(self) -> None:
        try:
            conn = pg_connect(self.url)
            conn.autocommit = True
        except Exception as exc:  # sampling is a nice-to-have
            self.error = str(exc)
            return
        try:
            with conn.cursor() as cur:
                while not self.stop_event.is_set() and time.monotonic() < self.stop_at:
                    cur.execute(
                        "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', "
                        "' ', 'g'), 90) "
                        "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend'",
                        (self.dbname,),
                    )
                    self.samples += 1
                    for state, wtype, wevent, query in cur.fetchall():
                        key = f"{state or '?'} / {wtype or 'CPU'}:{wevent or '-'}"
                        self.states[key] += 1
                        if wtype == "Lock":
                            self.lock_waits[f"{wevent}: {query}"] += 1
                    self.stop_event.wait(self.interval)
        except Exception as exc:
            self.error = str(exc)
        finally:
            conn.close()

    def report(self) -> dict:
        n = max(self.samples, 1)
        return {
            "samples": self.samples,
            "interval_s": self.interval,
            # average number of the server's PostgreSQL connections in each state per sample
            "avg_connections_by_state": {k: round(v / n, 2) for k, v in self.states.most_common(12)},
            "avg_lock_waiters_by_query": {k: round(v / n, 2) for k, v in self.lock_waits.most_common(6)},
            "error": self.error,
        }


# ----------------------------------------------------------------------------------------------
# setup: database, demo data, windows, server


def run_cmd(cmd: list[str], env: dict, deadline: Deadline, what: str) -> None:
    log(f"{what}: {' '.join(cmd[1:])}")
    try:
        proc = subprocess.run(
            cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=min(180.0, deadline.left(5))
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchAbort(f"{what} timed out") from exc
    if proc.returncode != 0:
        raise BenchAbort(
            f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )


class _Cursor:
    """A DB-API cursor that takes %s placeholders on either database."""

    def __init__(self, cursor, sqlite: bool):
        self.cursor, self.sqlite = cursor, sqlite

    def execute(self, query: str, params=()):
        self.cursor.execute(query.replace("%s", "?") if self.sqlite else query, params)
        return self

    def executemany(self, query: str, rows):
        self.cursor.executemany(query.replace("%s", "?") if self.sqlite else query, rows)

    def fetchone(self):
        return self.cursor.fetchone()

    def fetchall(self):
        return self.cursor.fetchall()


class BenchDB:
    """The bench's database: PostgreSQL (--db-name, dropped and recreated) or a temporary SQLite file."""

    def __init__(self, args):
        self.kind = args.database
        self.dbname = args.db_name if self.kind == "postgresql" else None
        self.admin_url = args.postgres_url
        self.tmpdir: str | None = None
        self.path: str | None = None

    @property
    def server_url(self) -> str:
        """The DATABASE_URL the server and the flask commands get."""
        if self.kind == "sqlite":
            return "sqlite:///" + self.path
        return with_dbname(self.admin_url, self.dbname)

    def create(self) -> None:
        if self.kind == "sqlite":
            self.tmpdir = tempfile.mkdtemp(prefix="wuban-bench-")
            self.path = os.path.join(self.tmpdir, "bench.sqlite3")
            log(f"SQLite file {self.path}")
            return
        conn = pg_connect(self.admin_url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.dbname))
                )
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        finally:
            conn.close()
        log(f"database {self.dbname} created")

    def remove(self) -> None:
        """Remove a SQLite run's temporary folder (a PostgreSQL bench database is kept for inspection)."""
        if self.tmpdir:
            for name in os.listdir(self.tmpdir):
                os.unlink(os.path.join(self.tmpdir, name))
            os.rmdir(self.tmpdir)
            self.tmpdir = None

    def cursor(self):
        return _Transaction(self)


class _Transaction:
    def __init__(self, bdb: BenchDB):
        self.bdb = bdb

    def __enter__(self) -> _Cursor:
        if self.bdb.kind == "sqlite":
            self.conn = sqlite3.connect(self.bdb.path, timeout=60)
        else:
            self.conn = pg_connect(self.bdb.server_url)
        return _Cursor(self.conn.cursor(), self.bdb.kind == "sqlite")

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self.conn.close()


def setup_windows(bdb: BenchDB, queue_code: str, k: int) -> list[dict]:
    """Make at least k windows of the hall serve the queue; return k of them (id, number)."""
    with bdb.cursor() as cur:
        cur.execute("SELECT id FROM halls WHERE code = %s", (HALL,))
        row = cur.fetchone()
        if row is None:
            raise BenchAbort(f"hall {HALL} missing after demo load")
        hall_id = row[0]
        cur.execute("SELECT id FROM queues WHERE hall_id = %s AND code = %s", (hall_id, queue_code))
        row = cur.fetchone()
        if row is None:
            raise BenchAbort(f"queue {queue_code} missing in hall {HALL}")
        queue_id = row[0]
        # every existing window of the hall also serves the queue
        cur.execute(
            "INSERT INTO window_queues (window_id, queue_id) SELECT id, %s FROM windows WHERE hall_id = %s "
            "ON CONFLICT DO NOTHING",
            (queue_id, hall_id),
        )
        cur.execute("SELECT count(*), coalesce(max(number), 0) FROM windows WHERE hall_id = %s", (hall_id,))
        count, max_number = cur.fetchone()
        for n in range(max_number + 1, max_number + 1 + max(0, k - count)):
            cur.execute(
                "INSERT INTO windows (hall_id, number, name, status, clerk_id) "
                "VALUES (%s, %s, %s, 'closed', NULL) RETURNING id",
                (hall_id, n, f"{n}号综合窗口（压测）"),
            )
            cur.execute(
                "INSERT INTO window_queues (window_id, queue_id) VALUES (%s, %s)",
                (cur.fetchone()[0], queue_id),
            )
        cur.execute(
            "SELECT w.id, w.number FROM windows w JOIN window_queues wq ON wq.window_id = w.id "
            "WHERE w.hall_id = %s AND wq.queue_id = %s ORDER BY w.number LIMIT %s",
            (hall_id, queue_id, k),
        )
        windows = [{"id": wid, "number": num} for wid, num in cur.fetchall()]
    if len(windows) < k:
        raise BenchAbort(f"only {len(windows)} windows serve {queue_code}, wanted {k}")
    log(f"{len(windows)} windows serve queue {queue_code}")
    return windows


def insert_line(bdb: BenchDB, queue_code: str, count: int) -> list[int]:
    """Put `count` waiting tickets (numbers Z00001…) in the queue's line directly (setup, not measured).

    They are older than any ticket the kiosks issue, so they are called first; the waiting tally is
    raised by as many. Returns their ids.
    """
    if count <= 0:
        return []
    day = datetime.now(HALL_TZ).date().isoformat()
    start = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=2)
    with bdb.cursor() as cur:
        cur.execute(
            "SELECT h.id, q.id FROM halls h JOIN queues q ON q.hall_id = h.id WHERE h.code = %s AND "
            "q.code = %s",
            (HALL, queue_code),
        )
        hall_id, queue_id = cur.fetchone()
        rows = []
        for n in range(1, count + 1):
            at = (start + timedelta(milliseconds=n)).isoformat(sep=" ", timespec="microseconds")
            rows.append((hall_id, queue_id, queue_id, day, f"Z{n:05d}", at, at))
        insert = (
            "INSERT INTO tickets (hall_id, queue_id, origin_queue_id, service_date, number, state, lane, "
            "issued_at, queued_at, recalls) VALUES (%s, %s, %s, %s, %s, 'waiting', 1, %s, %s, 0)"
        )
        if bdb.kind == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(
                cur.cursor,
                insert.replace("VALUES (%s, %s, %s, %s, %s, 'waiting', 1, %s, %s, 0)", "VALUES %s"),
                [(*r[:5], "waiting", 1, *r[5:], 0) for r in rows],
                page_size=2000,
            )
        else:
            cur.executemany(insert, rows)
        cur.execute(
            "INSERT INTO waiting_tallies (queue_id, service_date, lane, slot, waiting) VALUES (%s, %s, "
            "1, 0, %s) "
            "ON CONFLICT (queue_id, service_date, lane, slot) DO UPDATE SET waiting = "
            "waiting_tallies.waiting + "
            "excluded.waiting",
            (queue_id, day, count),
        )
        cur.execute("SELECT id FROM tickets WHERE queue_id = %s AND number LIKE %s", (queue_id, "Z%"))
        ids = [row[0] for row in cur.fetchall()]
    log(f"{len(ids)} tickets put in line {queue_code} directly")
    return ids


def port_is_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_server(args, db_url: str, log_path: Path) -> subprocess.Popen:
    if port_is_taken(args.port):
        raise BenchAbort(f"port {args.port} is already in use on 127.0.0.1; pick another with --port")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        WEB_CONCURRENCY=str(args.workers),
        WUBAN_WORKER=args.worker_class,
        RATELIMIT_ENABLED="false",
        SECRET_KEY="bench-secret-not-for-production-32-bytes+",
        LOG_LEVEL="warning",
    )
    env.pop("ACCESS_LOG", None)
    env.pop("BIND", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "-b",
        f"127.0.0.1:{args.port}",
        "wsgi:app",
    ]
    log(f"starting gunicorn: workers={args.workers} worker_class={args.worker_class} port={args.port}")
    logfile = open(log_path, "wb")  # noqa: SIM115 - handed to gunicorn, closed below once it has it
    try:
        # own session = own process group, so the finally block can kill master and workers together
        return subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        logfile.close()


def stop_server(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    pgid = proc.pid  # start_new_session=True: the group id is the master's pid
    if proc.poll() is None:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    # whatever is left of the group (workers that outlived the master)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    log("gunicorn stopped")


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an http_proxy


def wait_healthy(proc: subprocess.Popen, base: str, deadline: Deadline, log_path: Path) -> dict:
    end = time.monotonic() + min(60.0, deadline.left(5))
    last = None
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise BenchAbort(f"gunicorn exited with {proc.returncode}; log:\n{tail(log_path)}")
        try:
            with _NO_PROXY.open(base + "/healthz", timeout=2) as resp:
                body = json.loads(resp.read())
                if resp.status == 200:
                    return body
                last = body
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = exc
        time.sleep(0.2)
    raise BenchAbort(f"server not healthy after 60 s ({last}); log:\n{tail(log_path)}")


def _resident_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def wait_workers_booted(proc: subprocess.Popen, workers: int, timeout_s: float = 30.0) -> None:
    """Wait until every gunicorn worker has loaded the application (its memory is as large as the first's).

    The load generator keeps its connections open: connections opened while a worker is still booting all
    go to the workers already up and stay there for the whole run, so a 2-worker run measured one worker.
    """
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        children = [
            int(entry)
            for entry in os.listdir("/proc")
            if entry.isdigit() and (_proc_stat(int(entry)) or ("", 0))[1] == proc.pid
        ]
        sizes = [_resident_pages(pid) for pid in children]
        if len(children) >= workers and min(sizes) >= 0.8 * max(sizes):
            time.sleep(0.5)  # the last imports of the worker that grew last
            return
        time.sleep(0.2)
    log(f"warning: not every worker looked booted after {timeout_s:.0f} s; measuring anyway")


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# ----------------------------------------------------------------------------------------------
# load


class Recorder:
    """Everything the load phases measure; kept outside the coroutines so a timeout keeps partial data."""

    def __init__(self):
        self.phase_start: dict[str, float] = {}
        self.phase_end: dict[str, float] = {}
        self.issue: dict[str, list[tuple[float, float]]] = {"issue": [], "mixed": []}
        self.call200: list[tuple[float, float]] = []
        self.call204: list[tuple[float, float]] = []
        self.release: list[tuple[float, float]] = []  # the requests that let a called ticket go
        self.issued: list[dict] = []  # {id, number}
        self.line_ids: set[int] = set()  # tickets put in line directly before the phases (--line)
        self.called: list[tuple[int, int, int | None]] = []  # (ticket id, window id, window_number answered)
        self.errors: Counter = Counter()
        self.error_samples: list[str] = []
        self.kiosks_done_at: float | None = None
        self.calls_while_issuing = 0
        self.cpu: dict[str, dict] = {}
        self.pg_activity: dict[str, dict] = {}
        self.source_at_start: dict | None = None
        self.source_at_end: dict | None = None

    def error(self, phase: str, what: str, status, body: str = "") -> int:
        key = f"{phase} {what} {status}"
        self.errors[key] += 1
        if len(self.error_samples) < 20:
            self.error_samples.append(f"{key}: {body[:300]}")
        return sum(v for k, v in self.errors.items() if k.startswith(phase + " "))


async def post(session: aiohttp.ClientSession, url: str, token: str | None = None, payload=None):
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with session.post(url, json=payload, headers=headers) as resp:
        body = await resp.read()
        return resp.status, body


async def sign_in(session, base: str) -> list[str]:
    tokens = []
    for user in STAFF_USERS:
        status, body = await post(
            session, f"{base}/api/v1/auth/token", payload={"username": user, "password": "demo"}
        )
        if status != 200:
            raise BenchAbort(f"sign-in of {user} failed: {status} {body[:300]!r}")
        tokens.append(json.loads(body)["token"])
    return tokens


async def open_windows(session, base: str, windows: list[dict], tokens: list[str]) -> None:
    for i, window in enumerate(windows):
        status, body = await post(
            session,
            f"{base}/api/v1/windows/{window['id']}/status",
            tokens[i % len(tokens)],
            {"status": "open"},
        )
        if status != 200:
            raise BenchAbort(f"opening window {window['id']} failed: {status} {body[:300]!r}")


async def kiosks(
    session, base: str, rec: Recorder, phase: str, n_kiosks: int, n_tickets: int, queue: str
) -> None:
    url = f"{base}/api/v1/halls/{HALL}/tickets"
    state = {"left": n_tickets, "attempts": 0}
    max_attempts = n_tickets + MAX_HTTP_ERRORS

    async def kiosk() -> None:
        while state["left"] > 0 and state["attempts"] < max_attempts:
            state["left"] -= 1
            state["attempts"] += 1
            t0 = time.perf_counter()
            try:
                status, body = await post(session, url, payload={"queue": queue})
            except (TimeoutError, aiohttp.ClientError) as exc:
                status, body = type(exc).__name__, str(exc).encode()
            t1 = time.perf_counter()
            if status == 201:
                ticket = json.loads(body)
                rec.issue[phase].append((t1, t1 - t0))
                rec.issued.append({"id": ticket["id"], "number": ticket["number"]})
            else:
                state["left"] += 1  # not issued: another attempt takes its place (bounded by max_attempts)
                if rec.error(phase, "issue", status, body.decode(errors="replace")) >= MAX_HTTP_ERRORS:
                    raise BenchAbort(f"{phase}: too many failed issue requests")
                await asyncio.sleep(0.05)

    await asyncio.gather(*(kiosk() for _ in range(n_kiosks)))


async def clerk(
    session,
    base: str,
    rec: Recorder,
    window: dict,
    token: str,
    max_requests: int,
    empty_sleep_s: float,
    release_steps: tuple[str, ...],
    calls_left: dict | None,
    call_body: dict | None = None,
) -> None:
    """Call-next in a loop; after each call let the ticket go (release_steps) so the window may call again."""
    url = f"{base}/api/v1/windows/{window['id']}/call-next"
    for _ in range(max_requests):
        if calls_left is not None:
            if calls_left["n"] <= 0:
                return
            calls_left["n"] -= 1
        t0 = time.perf_counter()
        try:
            status, body = await post(session, url, token, call_body)
        except (TimeoutError, aiohttp.ClientError) as exc:
            status, body = type(exc).__name__, str(exc).encode()
        t1 = time.perf_counter()
        if status != 200 and calls_left is not None:
            calls_left["n"] += 1
        if status == 200:
            ticket = json.loads(body)
            rec.call200.append((t1, t1 - t0))
            rec.called.append((ticket["id"], window["id"], ticket.get("window_number")))
            if rec.kiosks_done_at is None:
                rec.calls_while_issuing += 1
            for step in release_steps:
                r0 = time.perf_counter()
                try:
                    status, body = await post(session, f"{base}/api/v1/tickets/{ticket['id']}/{step}", token)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status, body = type(exc).__name__, str(exc).encode()
                r1 = time.perf_counter()
                if status == 200:
                    rec.release.append((r1, r1 - r0))
                elif rec.error("mixed", step, status, body.decode(errors="replace")) >= MAX_HTTP_ERRORS:
                    raise BenchAbort(f"mixed: too many failed {step} requests")
        elif status == 204:
            rec.call204.append((t1, t1 - t0))
            # stop once a request SENT after the last ticket was issued found the queue empty
            if rec.kiosks_done_at is not None and t0 > rec.kiosks_done_at:
                return
            await asyncio.sleep(empty_sleep_s)
        else:
            if rec.error("mixed", "call-next", status, body.decode(errors="replace")) >= MAX_HTTP_ERRORS:
                raise BenchAbort("mixed: too many failed call-next requests")
            await asyncio.sleep(0.05)
    rec.error("mixed", "call-next", "request-cap-reached")


async def run_load(
    args, base: str, windows: list[dict], rec: Recorder, server_pgid: int, bdb: BenchDB, deadline: Deadline
) -> None:
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
    # --connection close opens a connection per request, as nginx does towards gunicorn by default
    # (deploy/nginx-wuban.conf has no upstream keepalive): the workers then share the requests. Kept-alive
    # connections stay with the worker that accepted them, and on two busy cores one worker wins every
    # accept of the opening burst, so a 2-worker run measures one worker.
    pooled = {"force_close": True} if args.connection == "close" else {"keepalive_timeout": 60}
    connector = aiohttp.TCPConnector(limit=args.clerks + args.kiosks + 8, **pooled)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tokens = await sign_in(session, base)
        await open_windows(session, base, windows, tokens)
        log(f"signed in {len(tokens)} staff users, opened {len(windows)} windows")

        # phase 1: kiosks only
        def start_sampler():
            if args.sample_interval <= 0 or bdb.kind != "postgresql":
                return None
            sampler = PgSampler(
                bdb.server_url, bdb.dbname, args.sample_interval, time.monotonic() + deadline.left()
            )
            sampler.start()
            return sampler

        def stop_sampler(sampler, phase):
            if sampler is not None:
                sampler.stop_event.set()
                sampler.join(timeout=5)
                rec.pg_activity[phase] = sampler.report()

        log(f"phase issue: {args.kiosks} kiosks issue {args.prefill} tickets")
        sampler = start_sampler()
        cpu = CpuSampler(server_pgid, bdb.dbname)
        cpu.start()
        rec.phase_start["issue"] = time.perf_counter()
        try:
            if args.prefill:
                await kiosks(session, base, rec, "issue", args.kiosks, args.prefill, args.queue)
        finally:
            rec.phase_end["issue"] = time.perf_counter()
            rec.cpu["issue"] = cpu.finish()
            stop_sampler(sampler, "issue")

        # phase 2: clerks call while kiosks keep issuing
        log(
            f"phase mixed: {args.clerks} clerks call-next while {args.kiosks} kiosks issue "
            f"{args.tickets} more"
        )
        sampler = start_sampler()
        cpu = CpuSampler(server_pgid, bdb.dbname)
        cpu.start()
        rec.phase_start["mixed"] = time.perf_counter()
        max_requests = 4 * (args.line + args.prefill + args.tickets) + 200_000
        calls_left = {"n": args.calls} if args.calls else None
        release_steps = RELEASE_STEPS[args.release]

        async def kiosk_side():
            try:
                await kiosks(session, base, rec, "mixed", args.kiosks, args.tickets, args.queue)
            finally:
                rec.kiosks_done_at = time.perf_counter()

        clerk_tasks = [
            clerk(
                session,
                base,
                rec,
                window,
                tokens[i % len(tokens)],
                max_requests,
                args.empty_sleep_ms / 1000.0,
                release_steps,
                calls_left,
                CALL_BODY.get(args.release),
            )
            for i, window in enumerate(windows)
        ]
        try:
            await asyncio.gather(kiosk_side(), *clerk_tasks)
        finally:
            rec.phase_end["mixed"] = time.perf_counter()
            rec.cpu["mixed"] = cpu.finish()
            stop_sampler(sampler, "mixed")


# ----------------------------------------------------------------------------------------------
# checks and report


def db_checks(bdb: BenchDB) -> dict:
    with bdb.cursor() as cur:
        cur.execute(
            "SELECT ticket_id, count(*) FROM ticket_events WHERE trigger = 'call' "
            "GROUP BY ticket_id HAVING count(*) > 1 ORDER BY ticket_id LIMIT 50"
        )
        double_call_events = [list(r) for r in cur.fetchall()]
        cur.execute(
            "SELECT count(*) FROM (SELECT ticket_id FROM ticket_events WHERE trigger = 'call' "
            "GROUP BY ticket_id HAVING count(*) > 1) AS doubles"
        )
        double_call_tickets = cur.fetchone()[0]
        cur.execute("SELECT id, number FROM tickets WHERE state = 'waiting' ORDER BY id LIMIT 50")
        waiting_rows = [list(r) for r in cur.fetchall()]
        cur.execute("SELECT count(*) FROM tickets WHERE state = 'waiting'")
        waiting = cur.fetchone()[0]
        cur.execute(
            "SELECT hall_id, CAST(service_date AS TEXT), number, count(*) FROM tickets "
            "GROUP BY hall_id, service_date, number HAVING count(*) > 1 LIMIT 50"
        )
        duplicate_numbers = [list(r) for r in cur.fetchall()]
        cur.execute("SELECT state, count(*) FROM tickets GROUP BY state ORDER BY state")
        by_state = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM ticket_events WHERE trigger = 'call'")
        call_events = cur.fetchone()[0]
        cur.execute("SELECT coalesce(sum(waiting), 0) FROM waiting_tallies")
        tallied = cur.fetchone()[0]
    return {
        "waiting_tallied": tallied,
        "double_call_tickets": double_call_tickets,
        "double_call_events": double_call_events,
        "waiting_left": waiting,
        "waiting_sample": waiting_rows,
        "duplicate_numbers": duplicate_numbers,
        "tickets_by_state": by_state,
        "call_events": call_events,
    }


def client_checks(rec: Recorder, windows: list[dict], expected_left: int = 0) -> dict:
    """Check what the clerks got: each ticket at most once, all of them but `expected_left` (--calls)."""
    issued_ids = [t["id"] for t in rec.issued]
    numbers = Counter(t["number"] for t in rec.issued)
    called_ids = Counter(tid for tid, _, _ in rec.called)
    doubles = {tid: n for tid, n in called_ids.items() if n > 1}
    issued_set, called_set = set(issued_ids) | rec.line_ids, set(called_ids)
    uncalled = sorted(issued_set - called_set)
    missing = uncalled if len(uncalled) != expected_left else []
    unexpected = sorted(called_set - issued_set)
    number_of = {w["id"]: w["number"] for w in windows}
    wrong_window = [(tid, wid, got) for tid, wid, got in rec.called if got != number_of.get(wid)]
    return {
        "issued": len(issued_ids),
        "issued_duplicate_ids": len(issued_ids) - len(set(issued_ids)),
        "issued_duplicate_numbers": sorted(n for n, c in numbers.items() if c > 1)[:50],
        "called_200": len(rec.called),
        "double_calls": sum(n - 1 for n in doubles.values()),
        "double_call_ids": sorted(doubles)[:50],
        "missing": len(missing),
        "missing_ids": missing[:50],
        "left_uncalled": len(uncalled),
        "expected_left": expected_left,
        "called_not_issued": len(unexpected),
        "called_not_issued_ids": unexpected[:50],
        "wrong_window_number": len(wrong_window),
        "wrong_window_sample": wrong_window[:10],
    }


def steady_stats(rec: Recorder, until: float | None) -> dict | None:
    """Call-next over the middle 80 % of the stretch while a line waited (no warm-up, no tail)."""
    start = rec.phase_start.get("mixed")
    if start is None or not rec.call200:
        return None
    end = until if until is not None else max(t for t, _ in rec.call200)
    span = end - start
    lo, hi = start + 0.1 * span, start + 0.9 * span
    inside = [sample for sample in rec.call200 if lo <= sample[0] <= hi]
    stats = latency_stats(inside, lo)
    stats["wall_s"] = round(hi - lo, 3)
    stats["rps"] = round(len(inside) / (hi - lo), 1) if hi > lo else None
    stats["line_s"] = round(span, 2)
    stats["long_enough"] = span >= STEADY_MIN_S
    return stats


def expected_left(args) -> int:
    return max(0, args.line + args.prefill + args.tickets - args.calls) if args.calls else 0


def build_report(
    args, rec: Recorder, windows, checks, db, health, aborted: str | None, log_path: Path
) -> dict:
    issue_phase = latency_stats(rec.issue["issue"], rec.phase_start.get("issue"))
    issue_mixed = latency_stats(rec.issue["mixed"], rec.phase_start.get("mixed"))
    call200 = latency_stats(rec.call200, rec.phase_start.get("mixed"))
    call204 = latency_stats(rec.call204, rec.phase_start.get("mixed"))
    release = latency_stats(rec.release, rec.phase_start.get("mixed"))
    every_request = latency_stats(
        rec.issue["mixed"] + rec.call200 + rec.call204 + rec.release, rec.phase_start.get("mixed")
    )
    first_empty = min((t for t, _ in rec.call204), default=None)
    steady = steady_stats(rec, first_empty)
    # Calls made while a backlog waited: up to the first 204 (with SKIP LOCKED and thousands waiting, a 204
    # only comes when the line is empty). This is the call-next capacity; the whole-phase rate is bounded
    # by how fast the kiosks issue once the prefilled line is gone.
    backlog = None
    if rec.call204 and rec.phase_start.get("mixed"):
        first_empty = min(t for t, _ in rec.call204)
        backlog = latency_stats([s for s in rec.call200 if s[0] <= first_empty], rec.phase_start["mixed"])
    elif rec.call200:
        backlog = call200
    overlap = None
    if rec.kiosks_done_at and rec.phase_start.get("mixed"):
        span = rec.kiosks_done_at - rec.phase_start["mixed"]
        overlap = {
            "wall_s": round(span, 3),
            "count": rec.calls_while_issuing,
            "rps": round(rec.calls_while_issuing / span, 1) if span > 0 else None,
        }

    correct = (
        aborted is None
        and checks is not None
        and db is not None
        and checks["double_calls"] == 0
        and checks["missing"] == 0
        and checks["called_not_issued"] == 0
        and checks["issued_duplicate_ids"] == 0
        and not checks["issued_duplicate_numbers"]
        and checks["issued"] == args.prefill + args.tickets
        and not db["double_call_events"]
        and db["waiting_left"] == expected_left(args)
        and not db["duplicate_numbers"]
        and db["waiting_tallied"] == db["waiting_left"]
    )

    def meets_target(stats) -> bool:
        return bool(
            correct
            and stats
            and args.clerks >= TARGET_CLERKS
            and stats["rps"] is not None
            and stats["rps"] >= TARGET_CALLS_PER_S
            and stats["p95_ms"] is not None
            and stats["p95_ms"] < TARGET_P95_MS
        )

    target_ok = meets_target(call200)
    target_backlog_ok = meets_target(backlog)
    sqlite_target = None
    if args.database == "sqlite":
        sqlite_target = {
            "text": f"SQLite, 1 eventlet worker, 8 kiosks, 8 clerks: 0 errors, >= "
            f"{SQLITE_TARGET_RPS:.0f} requests/s in all, p95 < {SQLITE_TARGET_P95_MS:.0f} ms",
            "applies": args.workers == 1
            and args.worker_class == "eventlet"
            and args.kiosks == 8
            and args.clerks == 8,
            "pass": bool(
                correct
                and not rec.errors
                and every_request["rps"] is not None
                and every_request["rps"] >= SQLITE_TARGET_RPS
                and every_request["p95_ms"] is not None
                and every_request["p95_ms"] < SQLITE_TARGET_P95_MS
            ),
        }
    server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    requests = {
        "issue": len(rec.issue["issue"]) + sum(v for k, v in rec.errors.items() if k.startswith("issue ")),
        "mixed": len(rec.issue["mixed"])
        + len(rec.call200)
        + len(rec.call204)
        + len(rec.release)
        + sum(v for k, v in rec.errors.items() if k.startswith("mixed ")),
    }
    cpu_per_request = {}
    for phase, cpu in rec.cpu.items():
        if cpu and requests.get(phase):
            cpu_per_request[phase] = {
                name: round(1000.0 * cpu["cpu_s"][name] / requests[phase], 2)
                for name in ("gunicorn", "postgres", "postgres_exited", "client")
            }
    # CPU per served citizen in the mixed phase: one call-next, its release, and the phase's share of issues
    cpu_per_call = None
    if rec.cpu.get("mixed") and rec.call200:
        cpu_s = rec.cpu["mixed"]["cpu_s"]
        cpu_per_call = {
            name: round(1000.0 * cpu_s[name] / len(rec.call200), 2)
            for name in ("gunicorn", "postgres", "postgres_exited", "client")
        }
    warnings = []
    for phase, cpu in rec.cpu.items():
        if cpu and cpu["other"] > 25:
            warnings.append(
                f"{phase}: other processes used {cpu['other']}% of a core; the machine was not quiet, "
                "figures are pessimistic"
            )
        if cpu and cpu["client"] > 70:
            warnings.append(f"{phase}: the client used {cpu['client']}% of a core; it may be the bottleneck")
    if steady and not steady["long_enough"]:
        warnings.append(
            f"the line lasted {steady['line_s']} s of calling, less than {STEADY_MIN_S:.0f} s: the steady "
            "figure is not steady (give a longer --line or --prefill)"
        )
    if (
        rec.source_at_start
        and rec.source_at_end
        and rec.source_at_start["sha256"] != rec.source_at_end["sha256"]
    ):
        warnings.append(
            "server source files changed during the run (someone edited them); the workers ran the code "
            "as it was at start-up"
        )
    if rec.source_at_start and rec.source_at_start.get("uncommitted"):
        warnings.append(f"server code has uncommitted changes: {rec.source_at_start['uncommitted']}")
    return {
        "benchmark": "queue_bench",
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            "database": args.database,
            "release": args.release,
            "connection": args.connection,
            "line": args.line,
            "calls": args.calls,
            "clerks": args.clerks,
            "kiosks": args.kiosks,
            "prefill": args.prefill,
            "tickets": args.tickets,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "port": args.port,
            "db_name": args.db_name,
            "queue": args.queue,
            "redis": bool(args.redis_url),
            "timeout_s": args.timeout_s,
            "empty_sleep_ms": args.empty_sleep_ms,
            "windows": [w["id"] for w in windows],
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "health": health,
        },
        "results": {
            "issue_phase": {"issue": issue_phase},
            "mixed_phase": {
                "issue": issue_mixed,
                "call_next_200": call200,
                "call_next_204": call204,
                "call_next_200_while_kiosks_active": overlap,
                "call_next_200_until_line_first_empty": backlog,
                "call_next_200_steady": steady,
                "release_200": release,
                "every_request": every_request,
            },
        },
        "timeline": {phase: timeline(rec, phase) for phase in ("issue", "mixed")},
        "http_errors": dict(rec.errors),
        "http_error_samples": rec.error_samples,
        "checks": checks,
        "db_checks": db,
        "cpu_pct_of_one_core": rec.cpu,
        "cpu_ms_per_request": cpu_per_request,
        "cpu_ms_per_call_next_cycle": cpu_per_call,
        "requests_per_phase": requests,
        "source": {"at_start": rec.source_at_start, "at_end": rec.source_at_end},
        "warnings": warnings,
        "pg_activity": rec.pg_activity,
        "server_log": {
            "path": str(log_path),
            "tracebacks": server_log.count("Traceback"),
            "worker_timeouts": server_log.count("WORKER TIMEOUT"),
        },
        "aborted": aborted,
        "correctness_pass": correct,
        "target": {
            "text": f"{TARGET_CLERKS} clerks: >= {TARGET_CALLS_PER_S:.0f} call-next/s, p95 < "
            f"{TARGET_P95_MS:.0f} ms, zero double calls",
            "pass": target_ok,
            "pass_until_line_first_empty": target_backlog_ok,
        },
        "sqlite_target": sqlite_target,
    }


def timeline(rec: Recorder, phase: str) -> dict | None:
    """Requests per second and p95 per time bucket of a phase (to see the phase's course)."""
    start, end = rec.phase_start.get(phase), rec.phase_end.get(phase)
    if start is None or end is None or end <= start:
        return None
    bucket = max(5, int(-(-(end - start) // 24)))
    n = int((end - start) // bucket) + 1
    series = {"issue": rec.issue[phase]}
    if phase == "mixed":
        series.update(call200=rec.call200, call204=rec.call204)
    rows = [{"t_s": i * bucket} for i in range(n)]
    for name, samples in series.items():
        buckets = [[] for _ in range(n)]
        for t_end, lat in samples:
            i = int((t_end - start) // bucket)
            if 0 <= i < n:
                buckets[i].append(lat * 1000.0)
        for i, values in enumerate(buckets):
            values.sort()
            rows[i][f"{name}_rps"] = round(len(values) / bucket, 1)
            rows[i][f"{name}_p95_ms"] = round(percentile(values, 95), 1) if values else None
    return {"bucket_s": bucket, "rows": rows}


def fmt(v, digits=1) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def print_report(r: dict) -> None:
    c = r["config"]
    print()
    print("=" * 100)
    print(
        f"wuban queue benchmark  |  {c['database']}  |  gunicorn workers={c['workers']} "
        f"worker_class={c['worker_class']}  |  clerks={c['clerks']} kiosks={c['kiosks']} line={c['line']} "
        f"prefill={c['prefill']} tickets={c['tickets']} calls={c['calls'] or 'all'} "
        f"release={c['release']} connection={c.get('connection', 'keep-alive')}  |  "
        f"queue={c['queue']} redis={'on' if c['redis'] else 'off'}  cpus={c['cpu_count']}"
    )
    print("-" * 100)
    head = (
        f"{'phase':<7} {'request':<30} {'count':>6} {'wall s':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8}"
    )
    print(head)
    rows = [
        ("issue", "issue (201)", r["results"]["issue_phase"]["issue"]),
        ("mixed", "issue (201)", r["results"]["mixed_phase"]["issue"]),
        ("mixed", "call-next (200)", r["results"]["mixed_phase"]["call_next_200"]),
        ("mixed", "call-next (204, empty)", r["results"]["mixed_phase"]["call_next_204"]),
        ("mixed", f"release ({c['release']}, 200)", r["results"]["mixed_phase"]["release_200"]),
    ]
    for phase, name, s in rows:
        print(
            f"{phase:<7} {name:<30} {s['count']:>6} {fmt(s['wall_s'], 2):>8} {fmt(s['rps']):>8} "
            f"{fmt(s['p50_ms']):>8} {fmt(s['p95_ms']):>8} {fmt(s['p99_ms']):>8} {fmt(s['max_ms']):>8}"
        )
    bl = r["results"]["mixed_phase"].get("call_next_200_until_line_first_empty")
    if bl and bl["count"]:
        print(
            f"{'mixed':<7} {'call-next 200, line not empty':<30} {bl['count']:>6} "
            f"{fmt(bl['wall_s'], 2):>8} {fmt(bl['rps']):>8} "
            f"{fmt(bl['p50_ms']):>8} {fmt(bl['p95_ms']):>8} {fmt(bl['p99_ms']):>8} {fmt(bl['max_ms']):>8}"
        )
    st = r["results"]["mixed_phase"].get("call_next_200_steady")
    if st and st["count"]:
        print(
            f"{'mixed':<7} {'call-next 200, steady':<30} {st['count']:>6} {fmt(st['wall_s'], 2):>8} "
            f"{fmt(st['rps']):>8} "
            f"{fmt(st['p50_ms']):>8} {fmt(st['p95_ms']):>8} {fmt(st['p99_ms']):>8} {fmt(st['max_ms']):>8}"
            f"   (middle 80 % of {st['line_s']} s with a line{'' if st['long_enough'] else ', TOO SHORT'})"
        )
    ev = r["results"]["mixed_phase"].get("every_request")
    if ev and ev["count"]:
        print(
            f"{'mixed':<7} {'every request (2xx)':<30} {ev['count']:>6} {fmt(ev['wall_s'], 2):>8} "
            f"{fmt(ev['rps']):>8} "
            f"{fmt(ev['p50_ms']):>8} {fmt(ev['p95_ms']):>8} {fmt(ev['p99_ms']):>8} {fmt(ev['max_ms']):>8}"
        )
    ov = r["results"]["mixed_phase"]["call_next_200_while_kiosks_active"]
    if ov:
        print(
            f"{'mixed':<7} {'call-next 200, kiosks busy':<30} {ov['count']:>6} "
            f"{fmt(ov['wall_s'], 2):>8} {fmt(ov['rps']):>8}"
        )
    tl = (r.get("timeline") or {}).get("mixed")
    if tl:
        print(f"mixed phase by {tl['bucket_s']} s (req/s issue/call200/call204; p95 ms issue/call200):")
        cells = [
            f"{row['t_s']:>4}s {row['issue_rps']:.0f}/{row['call200_rps']:.0f}/{row['call204_rps']:.0f} "
            f"{fmt(row['issue_p95_ms'], 0)}/{fmt(row['call200_p95_ms'], 0)}"
            for row in tl["rows"]
        ]
        for i in range(0, len(cells), 4):
            print("  " + " | ".join(cells[i : i + 4]))
    print("-" * 100)
    ch, db = r["checks"], r["db_checks"]
    if ch:
        print(
            f"issued {ch['issued']}  called {ch['called_200']}  double calls {ch['double_calls']}  "
            f"missing {ch['missing']}  called-not-issued {ch['called_not_issued']}  "
            f"wrong window_number {ch['wrong_window_number']}  dup numbers (client) "
            f"{len(ch['issued_duplicate_numbers'])}"
        )
        if ch["double_calls"]:
            print(f"  double-called ids: {ch['double_call_ids']}")
        if ch["missing"]:
            print(f"  missing ids: {ch['missing_ids']}")
    if db:
        print(
            f"db: tickets with >1 'call' event {db['double_call_tickets']}  waiting left "
            f"{db['waiting_left']} "
            f"(tallied {db['waiting_tallied']}, expected {ch['expected_left'] if ch else 0})  "
            f"duplicate numbers {len(db['duplicate_numbers'])}  tickets by state {db['tickets_by_state']}"
        )
    if r["http_errors"]:
        print(f"HTTP errors: {r['http_errors']}")
        for sample in r["http_error_samples"][:5]:
            print(f"  {sample}")
    sl = r["server_log"]
    if sl["tracebacks"] or sl["worker_timeouts"]:
        print(
            f"server log: {sl['tracebacks']} tracebacks, {sl['worker_timeouts']} worker timeouts "
            f"({sl['path']})"
        )
    for phase, cpu in r["cpu_pct_of_one_core"].items():
        if cpu:
            per = r["cpu_ms_per_request"].get(phase, {})
            print(
                f"cpu {phase:<5} % of one core ({cpu['cores']} cores): gunicorn {cpu['gunicorn']} "
                f"(per process {'/'.join(str(v) for v in cpu['gunicorn_per_process'].values())})  "
                f"postgres {cpu['postgres']} (+{cpu['postgres_exited']} exited backends)  client "
                f"{cpu['client']}  "
                f"other {cpu['other']}  unattributed {cpu['unattributed']}  "
                f"| machine busy {cpu['machine_busy_pct_of_all_cores']}% | cpu ms/request: "
                f"gunicorn {per.get('gunicorn')} postgres {per.get('postgres')}+{per.get('postgres_exited')} "
                f"client {per.get('client')}"
            )
    cycle = r.get("cpu_ms_per_call_next_cycle")
    if cycle:
        print(
            f"cpu ms per served citizen in phase mixed (call-next + {c['release']} + share of issues): "
            "gunicorn "
            f"{cycle['gunicorn']}  postgres {cycle['postgres']}+{cycle['postgres_exited']}  client "
            f"{cycle['client']}"
        )
    for phase, pa in r.get("pg_activity", {}).items():
        if not pa.get("samples"):
            continue
        states = ", ".join(f"{k} {v}" for k, v in list(pa["avg_connections_by_state"].items())[:5])
        print(f"pg server connections, {phase} (avg per sample): {states}")
        for q, v in list(pa["avg_lock_waiters_by_query"].items())[:3]:
            print(f"  avg lock waiters {v}: {q}")
    src = (r.get("source") or {}).get("at_start")
    if src:
        print(
            f"server code: git {src['git_head']} sha256 {src['sha256']} uncommitted "
            f"{len(src['uncommitted'] or [])} file(s)"
        )
    for warning in r["warnings"]:
        print(f"WARNING: {warning}")
    print("-" * 100)
    if r["aborted"]:
        print(f"ABORTED: {r['aborted']}")
    print(
        "correctness (every issued ticket called exactly once): "
        f"{'PASS' if r['correctness_pass'] else 'FAIL'}"
    )
    print(
        f"target ({r['target']['text']}): {'PASS' if r['target']['pass'] else 'FAIL'} on the whole "
        "mixed phase, "
        f"{'PASS' if r['target'].get('pass_until_line_first_empty') else 'FAIL'} while the line was not empty"
    )
    sq = r.get("sqlite_target")
    if sq:
        print(
            f"target ({sq['text']}): {'PASS' if sq['pass'] else 'FAIL'}"
            f"{'' if sq['applies'] else ' (this run is not that configuration)'}"
        )
    print("=" * 100)


# ----------------------------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Benchmark ticket issue and call-next of the wuban queue server.")
    p.add_argument("--clerks", type=int, default=32, help="windows calling concurrently, one clerk each (K)")
    p.add_argument("--kiosks", type=int, default=8, help="kiosks issuing concurrently (M)")
    p.add_argument("--prefill", type=int, default=3000, help="tickets issued in phase 'issue'")
    p.add_argument("--tickets", type=int, default=3000, help="tickets issued during phase 'mixed'")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (WEB_CONCURRENCY)")
    p.add_argument("--worker-class", choices=("eventlet", "gevent"), default="eventlet", help="WUBAN_WORKER")
    p.add_argument("--port", type=int, default=8790)
    p.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="an existing database to connect to for DROP/CREATE DATABASE",
    )
    p.add_argument("--db-name", default="wuban_bench", help="database to (re)create; it is DROPPED first")
    p.add_argument("--queue", default="shsd", help="queue every bench window serves")
    p.add_argument("--timeout-s", type=float, default=300.0, help="overall time limit of the run")
    p.add_argument(
        "--redis-url",
        default="",
        help="set REDIS_URL for the server (default: unset, events stay in each worker); "
        "note Socket.IO pub/sub channels are shared by every Redis database number",
    )
    p.add_argument(
        "--empty-sleep-ms", type=float, default=5.0, help="a clerk's pause after a 204 before calling again"
    )
    p.add_argument(
        "--sample-interval",
        type=float,
        default=0.25,
        help="seconds between pg_stat_activity samples in the mixed phase (0: off)",
    )
    p.add_argument(
        "--database",
        choices=("postgresql", "sqlite"),
        default="postgresql",
        help="PostgreSQL (--db-name, recreated) or a temporary SQLite file",
    )
    p.add_argument(
        "--release",
        choices=tuple(RELEASE_STEPS),
        default="no_show",
        help="how a clerk lets a called ticket go before calling again: no_show (one request), "
        "finish (start + finish, a real service) or with-call (call-next releases it: 过号并叫号)",
    )
    p.add_argument(
        "--connection",
        choices=("keep-alive", "close"),
        default="keep-alive",
        help="keep-alive: a pool of kept-alive connections; close: a new connection per request (as behind "
        "nginx without upstream keepalive; spreads the requests over the workers)",
    )
    p.add_argument(
        "--line",
        type=int,
        default=0,
        help="tickets put in the line directly in the database before the phases (not measured)",
    )
    p.add_argument(
        "--calls",
        type=int,
        default=0,
        help="stop the clerks after this many calls (0: call until the line is empty); the rest stays",
    )
    p.add_argument(
        "--repeat", type=int, default=1, help="run each configuration this many times; report medians"
    )
    p.add_argument("--matrix", action="store_true", help="1 and 2 workers x 4, 8 and 32 clerks")
    p.add_argument(
        "--sweep",
        type=lambda text: [int(part) for part in text.split(",")],
        default=None,
        help="line lengths, e.g. 100,1000,10000: at each, kiosks issue --prefill tickets behind a line "
        "of that length, then the clerks call as many (cost per request vs. the line's length)",
    )
    p.add_argument(
        "--peer", default="", help="print a peer's figures from bench/peers.json beside ours (e.g. fqm)"
    )
    args = p.parse_args(argv)
    for name in ("clerks", "kiosks", "workers"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.prefill < 0 or args.tickets < 0 or args.line < 0 or args.calls < 0 or args.repeat < 1:
        p.error("--prefill, --tickets, --line and --calls must be >= 0, --repeat >= 1")
    if args.sweep and args.matrix:
        p.error("--sweep and --matrix do not combine")
    if args.sweep and not args.prefill:
        p.error("--sweep needs --prefill > 0 (the tickets issued and called at each line length)")
    check_local_url(args.postgres_url, "--postgres-url")
    if args.redis_url:
        check_local_url(args.redis_url, "--redis-url")
    return args


def run_once(args) -> dict:
    """Run the benchmark once (fresh database and server); print and return its report."""
    deadline = Deadline(args.timeout_s)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_path = RESULTS_DIR / f"gunicorn-{stamp}.log"

    def on_alarm(signum, frame):  # backstop if something blocks past the deadline
        raise BenchAbort("overall timeout (--timeout-s) reached (alarm)")

    def on_term(signum, frame):
        raise BenchAbort(f"stopped by signal {signum}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(args.timeout_s) + 1)

    rec = Recorder()
    windows: list[dict] = []
    checks = db = health = None
    aborted = None
    server = None
    bdb = BenchDB(args)
    base = f"http://127.0.0.1:{args.port}"
    try:
        bdb.create()
        env = dict(
            os.environ, DATABASE_URL=bdb.server_url, SECRET_KEY="bench-secret-not-for-production-32-bytes+"
        )
        env.pop("REDIS_URL", None)
        run_cmd(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env, deadline, "db upgrade"
        )
        run_cmd([sys.executable, "-m", "flask", "--app", "wsgi", "demo", "load"], env, deadline, "demo load")
        windows = setup_windows(bdb, args.queue, args.clerks)
        rec.line_ids = set(insert_line(bdb, args.queue, args.line))
        rec.source_at_start = source_state()
        server = start_server(args, bdb.server_url, log_path)
        health = wait_healthy(server, base, deadline, log_path)
        wait_workers_booted(server, args.workers)
        log(f"healthz: {health}")
        try:
            asyncio.run(
                asyncio.wait_for(
                    run_load(args, base, windows, rec, server.pid, bdb, deadline),
                    timeout=deadline.left(15) - 15,  # keep 15 s for the checks and shutdown
                )
            )
        except TimeoutError as exc:
            raise BenchAbort("overall timeout (--timeout-s) reached during the load") from exc
        if server.poll() is not None:
            raise BenchAbort(f"gunicorn exited during the run ({server.returncode})")
    except BenchAbort as exc:
        aborted = str(exc)
        log(f"ABORT: {aborted}")
    except KeyboardInterrupt:
        aborted = "interrupted"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the cleanup finish (it is bounded: ~20 s)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_server(server)

    if rec.source_at_start is not None:
        rec.source_at_end = source_state()
    if rec.phase_start:  # the load ran (perhaps partly): check what it did
        checks = client_checks(rec, windows, expected_left(args))
        try:
            db = db_checks(bdb)
        except Exception as exc:  # noqa: BLE001
            aborted = aborted or f"database checks failed: {exc}"
    bdb.remove()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    report = build_report(args, rec, windows, checks, db, health, aborted, log_path)
    print_report(report)
    out = RESULTS_DIR / f"queue_bench-{stamp}.json"
    report["results_file"] = str(out.relative_to(REPO))
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"results: {out.relative_to(REPO)}   server log: {log_path.relative_to(REPO)}")
    if aborted and server is not None:
        print(tail(log_path, 20))
    return report


# ----------------------------------------------------------------------------------------------
# several runs: --repeat (medians), --matrix (1 and 2 workers x 4, 8, 32 clerks), --sweep (line lengths)


def _median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 1) if values else None


def summarize(label: dict, reports: list[dict]) -> dict:
    """The median over repeated runs of one configuration, of the figures that matter."""

    def pick(*path):
        out = []
        for report in reports:
            value = report
            for key in path:
                value = (value or {}).get(key) if isinstance(value, dict) else None
            out.append(value)
        return out

    def cpu_sum(report, key, names):
        per = report.get(key) or {}
        per = per.get("issue") if key == "cpu_ms_per_request" else per
        return round(sum(per.get(name) or 0 for name in names), 2) if per else None

    calls = sum((r.get("checks") or {}).get("called_200", 0) for r in reports)
    doubles = sum((r.get("checks") or {}).get("double_calls", 0) for r in reports)
    return {
        **label,
        "runs": len(reports),
        "correct_runs": sum(bool(r["correctness_pass"]) for r in reports),
        "call_next_steady_rps": _median(pick("results", "mixed_phase", "call_next_200_steady", "rps")),
        "call_next_steady_p50_ms": _median(pick("results", "mixed_phase", "call_next_200_steady", "p50_ms")),
        "call_next_steady_p95_ms": _median(pick("results", "mixed_phase", "call_next_200_steady", "p95_ms")),
        "call_next_rps": _median(pick("results", "mixed_phase", "call_next_200", "rps")),
        "line_s": _median(pick("results", "mixed_phase", "call_next_200_steady", "line_s")),
        "issue_rps": _median(pick("results", "issue_phase", "issue", "rps")),
        "issue_p95_ms": _median(pick("results", "issue_phase", "issue", "p95_ms")),
        "cpu_ms_per_call_server": _median(
            [cpu_sum(r, "cpu_ms_per_call_next_cycle", ("gunicorn",)) for r in reports]
        ),
        "cpu_ms_per_call_db": _median(
            [cpu_sum(r, "cpu_ms_per_call_next_cycle", ("postgres", "postgres_exited")) for r in reports]
        ),
        "cpu_ms_per_call_client": _median(
            [cpu_sum(r, "cpu_ms_per_call_next_cycle", ("client",)) for r in reports]
        ),
        "cpu_ms_per_issue_server": _median(
            [cpu_sum(r, "cpu_ms_per_request", ("gunicorn",)) for r in reports]
        ),
        "cpu_ms_per_issue_db": _median(
            [cpu_sum(r, "cpu_ms_per_request", ("postgres", "postgres_exited")) for r in reports]
        ),
        "other_cpu_pct": _median(pick("cpu_pct_of_one_core", "mixed", "other")),
        "calls": calls,
        "double_calls": doubles,
        "double_calls_per_500": round(500.0 * doubles / calls, 2) if calls else None,
        "http_errors": sum(sum((r.get("http_errors") or {}).values()) for r in reports),
        "results": [r.get("results_file") for r in reports],
    }


SUMMARY_COLUMNS = (
    ("call_next_steady_rps", "call/s steady"),
    ("call_next_steady_p50_ms", "p50 ms"),
    ("call_next_steady_p95_ms", "p95 ms"),
    ("line_s", "line s"),
    ("issue_rps", "issue/s"),
    ("issue_p95_ms", "issue p95"),
    ("cpu_ms_per_call_server", "cpu/call srv"),
    ("cpu_ms_per_call_db", "db"),
    ("cpu_ms_per_call_client", "client"),
    ("cpu_ms_per_issue_server", "cpu/issue srv"),
    ("cpu_ms_per_issue_db", "db"),
    ("other_cpu_pct", "other %"),
    ("double_calls", "double"),
    ("correct_runs", "correct"),
)


def print_summary(title: str, keys: tuple[str, ...], rows: list[dict]) -> None:
    print()
    print("=" * 100)
    print(title)
    head = " ".join(f"{k:>8}" for k in keys) + " " + " ".join(f"{name:>13}" for _, name in SUMMARY_COLUMNS)
    print(head)
    for row in rows:
        print(
            " ".join(f"{fmt(row.get(k)):>8}" for k in keys)
            + " "
            + " ".join(f"{fmt(row.get(col)):>13}" for col, _ in SUMMARY_COLUMNS)
        )
    print("=" * 100)


def print_peer(name: str, rows: list[dict], args) -> None:
    """Put a peer's figures (bench/peers.json) beside ours, measured the peer's way."""
    peers = json.loads(PEERS_FILE.read_text())
    if name not in peers:
        raise SystemExit(f"--peer {name}: not in {PEERS_FILE.relative_to(REPO)} (known: {', '.join(peers)})")
    peer = peers[name]
    print()
    print(f"side by side with {peer['name']} ({peer['measured']}; {peer['setup']}):")
    low, high = peer["call_next_per_s"]
    dlow, dhigh = peer["double_calls_per_500"]
    print(f"  {'':<34} {'call-next/s':>14} {'double calls per 500':>22}")
    print(f"  {peer['name']:<34} {f'{low}-{high}':>14} {f'{dlow}-{dhigh}':>22}")
    for row in rows:
        label = (
            f"wuban, {row.get('workers', args.workers)} worker(s), {row.get('clerks', args.clerks)} clerks"
            + (f", line {row['line']}" if args.sweep else "")
        )
        print(f"  {label:<34} {fmt(row['call_next_steady_rps']):>14} {fmt(row['double_calls_per_500']):>22}")
    print(f"  ({peer['note']})")


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.sweep:
        keys = ("line",)
        configs = [{"line": line, "tickets": 0, "calls": args.prefill} for line in args.sweep]
    elif args.matrix:
        keys = ("workers", "clerks")
        configs = [{"workers": workers, "clerks": clerks} for workers in (1, 2) for clerks in (4, 8, 32)]
    else:
        keys = ()
        configs = [{}]
    rows, reports = [], []
    for config in configs:
        runs = []
        for attempt in range(args.repeat):
            run_args = argparse.Namespace(**{**vars(args), **config})
            log(f"run {attempt + 1}/{args.repeat} of {config or 'the configuration'}")
            runs.append(run_once(run_args))
        reports += runs
        rows.append(
            summarize(
                {key: config.get(key, getattr(args, key)) for key in ("workers", "clerks", "line")}, runs
            )
        )
    if len(rows) > 1 or args.repeat > 1:
        title = (
            f"median of {args.repeat} run(s) each, {args.database}, {args.worker_class}, "
            f"release={args.release}, connection={args.connection}"
            + (
                f", {args.kiosks} kiosks issue {args.prefill} then clerks call them at each line length"
                if args.sweep
                else ""
            )
        )
        print_summary(title, keys or ("workers", "clerks"), rows)
        if args.sweep and len(rows) > 1:
            for column in ("cpu_ms_per_call", "cpu_ms_per_issue"):
                totals = [(row[f"{column}_server"] or 0) + (row[f"{column}_db"] or 0) for row in rows]
                if min(totals) > 0:
                    print(
                        f"{column} (server + database): {' / '.join(f'{t:.2f}' for t in totals)} ms at lines "
                        f"{' / '.join(str(row['line']) for row in rows)}: highest / lowest = "
                        f"{max(totals) / min(totals):.2f}"
                    )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = RESULTS_DIR / f"queue_bench-summary-{stamp}.json"
        out.write_text(json.dumps({"args": vars(args), "rows": rows}, ensure_ascii=False, indent=2))
        print(f"summary: {out.relative_to(REPO)}")
    if args.peer:
        print_peer(args.peer, rows, args)
    return 0 if all(report["correctness_pass"] for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
