"""Load benchmark of the queue core (叫号): ticket issue at kiosks and call-next at windows.

Run from the repository root:

    .venv/bin/python bench/queue_bench.py [--clerks 32] [--kiosks 8] [--workers 2] [--worker-class eventlet] ...

It builds a fresh PostgreSQL database, loads the demo hall, adds windows so that --clerks windows of
hall ``xiqu`` all serve one queue, starts gunicorn the production way, and drives it with asyncio +
aiohttp in two phases: "issue" (kiosks only) and "mixed" (clerks calling while kiosks issue). It
then checks that every issued ticket was called exactly once, prints a table and writes JSON to
bench/results/. See bench/README.md. Only 127.0.0.1 is ever contacted.
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
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import psycopg2
from psycopg2 import sql

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
HALL = "xiqu"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
STAFF_USERS = ["clerk1", "clerk2", "clerk3", "clerk4", "clerk5", "clerk6", "admin"]

# The target the README states for a busy hall.
TARGET_CLERKS = 32
TARGET_CALLS_PER_S = 300.0
TARGET_P95_MS = 50.0

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
    out = {"count": n, "wall_s": None, "rps": None, "mean_ms": None,
           "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
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
        raise SystemExit(f"{what} must point at 127.0.0.1 (got host {host!r}); this benchmark never leaves the machine")


def with_dbname(url: str, dbname: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


SOURCE_PATHS = ("queue_server", "workflows", "wsgi.py", "gunicorn.conf.py")


def source_state() -> dict:
    """Fingerprint the server code the run uses: others edit it concurrently, so note what ran."""
    digest = hashlib.sha256()
    for root in SOURCE_PATHS:
        path = REPO / root
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
        for f in files:
            try:
                digest.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
            except OSError:
                pass
    state = {"sha256": digest.hexdigest()[:16], "git_head": None, "uncommitted": None}
    try:
        state["git_head"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                           text=True, timeout=10).stdout.strip() or None
        status = subprocess.run(["git", "status", "--porcelain", "--", *SOURCE_PATHS], cwd=REPO, capture_output=True,
                                text=True, timeout=10).stdout
        state["uncommitted"] = [line.strip() for line in status.splitlines()]
    except (OSError, subprocess.SubprocessError):
        pass
    return state


def pg_connect(url: str):
    return psycopg2.connect(url, connect_timeout=10, options="-c statement_timeout=60000")


# ----------------------------------------------------------------------------------------------
# CPU accounting from /proc (who burns the 2 cores: client, gunicorn, PostgreSQL)

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int) -> tuple[str, int, int, int] | None:
    """(comm, ppid, pgrp, utime+stime ticks) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rpar = raw.rfind(")")
    comm = raw[raw.find("(") + 1:rpar]
    fields = raw[rpar + 2:].split()
    # fields[0] is state (field 3); utime is field 14, stime field 15 -> indexes 11, 12
    return comm, int(fields[1]), int(fields[2]), int(fields[11]) + int(fields[12])


def _system_ticks() -> tuple[int, int]:
    """(busy, total) jiffies summed over all CPUs."""
    with open("/proc/stat") as fh:
        vals = [int(v) for v in fh.readline().split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    total = sum(vals[:8])
    return total - idle, total


GROUPS = ("gunicorn", "postgres", "client", "other")


def _classify(pid: int, comm: str, pgrp: int, me: int, server_pgid: int | None, dbname: str) -> str:
    if pid == me:
        return "client"
    if server_pgid is not None and pgrp == server_pgid:
        return "gunicorn"
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
    return {"t": time.monotonic(), "procs": procs, "busy": busy, "total": total}


class CpuSampler(threading.Thread):
    """Sums CPU per group over short intervals, so short-lived processes (others' test runs) count too."""

    def __init__(self, server_pgid: int | None, dbname: str, interval: float = 1.0):
        super().__init__(daemon=True, name="cpu-sampler")
        self.server_pgid, self.dbname, self.interval = server_pgid, dbname, interval
        self.stop_event = threading.Event()
        self.known: dict[int, str] = {}
        self.used: Counter = Counter()
        self.server: Counter = Counter()
        self.first = self.last = cpu_snapshot(server_pgid, dbname, self.known)

    def _step(self) -> None:
        snap = cpu_snapshot(self.server_pgid, self.dbname, self.known)
        for pid, (group, ticks) in snap["procs"].items():
            before = self.last["procs"].get(pid)
            # a process first seen now started within the interval: count all it used
            delta = max(ticks - before[1] if before else ticks, 0)
            self.used[group] += delta
            if group == "gunicorn":
                self.server[pid] += delta
        self.last = snap

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
        out = {name: pct(self.used[name]) for name in GROUPS}
        out["gunicorn_per_process"] = {str(pid): pct(t) for pid, t in sorted(self.server.items())}
        out["cpu_s"] = {name: round(self.used[name] / _CLK_TCK, 2) for name in GROUPS}
        out["machine_busy_pct_of_all_cores"] = round(100.0 * busy / total, 1) if total else None
        # kernel work (softirq of the loopback traffic) and processes that lived less than an interval
        out["unattributed"] = round(100.0 * busy / total * cores - sum(out[name] for name in GROUPS), 1) if total else None
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
                        "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
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
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=min(180.0, deadline.left(5)))
    except subprocess.TimeoutExpired as exc:
        raise BenchAbort(f"{what} timed out") from exc
    if proc.returncode != 0:
        raise BenchAbort(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def create_database(admin_url: str, dbname: str) -> None:
    conn = pg_connect(admin_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    finally:
        conn.close()
    log(f"database {dbname} created")


def setup_windows(db_url: str, queue_code: str, k: int) -> list[dict]:
    """Make at least k windows of the hall serve the queue; return k of them (id, number)."""
    conn = pg_connect(db_url)
    try:
        with conn, conn.cursor() as cur:
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
                cur.execute("INSERT INTO window_queues (window_id, queue_id) VALUES (%s, %s)", (cur.fetchone()[0], queue_id))
            cur.execute(
                "SELECT w.id, w.number FROM windows w JOIN window_queues wq ON wq.window_id = w.id "
                "WHERE w.hall_id = %s AND wq.queue_id = %s ORDER BY w.number LIMIT %s",
                (hall_id, queue_id, k),
            )
            windows = [{"id": wid, "number": num} for wid, num in cur.fetchall()]
    finally:
        conn.close()
    if len(windows) < k:
        raise BenchAbort(f"only {len(windows)} windows serve {queue_code}, wanted {k}")
    log(f"{len(windows)} windows serve queue {queue_code}")
    return windows


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
    cmd = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{args.port}", "wsgi:app"]
    log(f"starting gunicorn: workers={args.workers} worker_class={args.worker_class} port={args.port}")
    logfile = open(log_path, "wb")
    try:
        # own session = own process group, so the finally block can kill master and workers together
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=logfile, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
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
        self.issued: list[dict] = []  # {id, number}
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
        status, body = await post(session, f"{base}/api/v1/auth/token", payload={"username": user, "password": "demo"})
        if status != 200:
            raise BenchAbort(f"sign-in of {user} failed: {status} {body[:300]!r}")
        tokens.append(json.loads(body)["token"])
    return tokens


async def open_windows(session, base: str, windows: list[dict], tokens: list[str]) -> None:
    for i, window in enumerate(windows):
        status, body = await post(session, f"{base}/api/v1/windows/{window['id']}/status",
                                  tokens[i % len(tokens)], {"status": "open"})
        if status != 200:
            raise BenchAbort(f"opening window {window['id']} failed: {status} {body[:300]!r}")


async def kiosks(session, base: str, rec: Recorder, phase: str, n_kiosks: int, n_tickets: int, queue: str) -> None:
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
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
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


async def clerk(session, base: str, rec: Recorder, window: dict, token: str, max_requests: int,
                empty_sleep_s: float) -> None:
    url = f"{base}/api/v1/windows/{window['id']}/call-next"
    for _ in range(max_requests):
        t0 = time.perf_counter()
        try:
            status, body = await post(session, url, token)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            status, body = type(exc).__name__, str(exc).encode()
        t1 = time.perf_counter()
        if status == 200:
            ticket = json.loads(body)
            rec.call200.append((t1, t1 - t0))
            rec.called.append((ticket["id"], window["id"], ticket.get("window_number")))
            if rec.kiosks_done_at is None:
                rec.calls_while_issuing += 1
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


async def run_load(args, base: str, windows: list[dict], rec: Recorder, server_pgid: int, db_url: str,
                   dbname: str, deadline: Deadline) -> None:
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=args.clerks + args.kiosks + 8, keepalive_timeout=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tokens = await sign_in(session, base)
        await open_windows(session, base, windows, tokens)
        log(f"signed in {len(tokens)} staff users, opened {len(windows)} windows")

        # phase 1: kiosks only
        def start_sampler():
            if args.sample_interval <= 0:
                return None
            sampler = PgSampler(db_url, dbname, args.sample_interval, time.monotonic() + deadline.left())
            sampler.start()
            return sampler

        def stop_sampler(sampler, phase):
            if sampler is not None:
                sampler.stop_event.set()
                sampler.join(timeout=5)
                rec.pg_activity[phase] = sampler.report()

        log(f"phase issue: {args.kiosks} kiosks issue {args.prefill} tickets")
        sampler = start_sampler()
        cpu = CpuSampler(server_pgid, dbname)
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
        log(f"phase mixed: {args.clerks} clerks call-next while {args.kiosks} kiosks issue {args.tickets} more")
        sampler = start_sampler()
        cpu = CpuSampler(server_pgid, dbname)
        cpu.start()
        rec.phase_start["mixed"] = time.perf_counter()
        max_requests = 4 * (args.prefill + args.tickets) + 200_000

        async def kiosk_side():
            try:
                await kiosks(session, base, rec, "mixed", args.kiosks, args.tickets, args.queue)
            finally:
                rec.kiosks_done_at = time.perf_counter()

        clerk_tasks = [
            clerk(session, base, rec, window, tokens[i % len(tokens)], max_requests, args.empty_sleep_ms / 1000.0)
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


def db_checks(db_url: str) -> dict:
    conn = pg_connect(db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT ticket_id, count(*) FROM ticket_events WHERE trigger = 'call' "
                        "GROUP BY ticket_id HAVING count(*) > 1 ORDER BY ticket_id LIMIT 50")
            double_call_events = [list(r) for r in cur.fetchall()]
            cur.execute("SELECT count(*) FROM (SELECT ticket_id FROM ticket_events WHERE trigger = 'call' "
                        "GROUP BY ticket_id HAVING count(*) > 1) AS doubles")
            double_call_tickets = cur.fetchone()[0]
            cur.execute("SELECT id, number FROM tickets WHERE state = 'waiting' ORDER BY id LIMIT 50")
            waiting_rows = [list(r) for r in cur.fetchall()]
            cur.execute("SELECT count(*) FROM tickets WHERE state = 'waiting'")
            waiting = cur.fetchone()[0]
            cur.execute("SELECT hall_id, service_date::text, number, count(*) FROM tickets "
                        "GROUP BY hall_id, service_date, number HAVING count(*) > 1 LIMIT 50")
            duplicate_numbers = [list(r) for r in cur.fetchall()]
            cur.execute("SELECT state, count(*) FROM tickets GROUP BY state ORDER BY state")
            by_state = dict(cur.fetchall())
            cur.execute("SELECT count(*) FROM ticket_events WHERE trigger = 'call'")
            call_events = cur.fetchone()[0]
    finally:
        conn.close()
    return {
        "double_call_tickets": double_call_tickets,
        "double_call_events": double_call_events,
        "waiting_left": waiting,
        "waiting_sample": waiting_rows,
        "duplicate_numbers": duplicate_numbers,
        "tickets_by_state": by_state,
        "call_events": call_events,
    }


def client_checks(rec: Recorder, windows: list[dict]) -> dict:
    issued_ids = [t["id"] for t in rec.issued]
    numbers = Counter(t["number"] for t in rec.issued)
    called_ids = Counter(tid for tid, _, _ in rec.called)
    doubles = {tid: n for tid, n in called_ids.items() if n > 1}
    issued_set, called_set = set(issued_ids), set(called_ids)
    missing = sorted(issued_set - called_set)
    unexpected = sorted(called_set - issued_set)
    number_of = {w["id"]: w["number"] for w in windows}
    wrong_window = [(tid, wid, got) for tid, wid, got in rec.called if got != number_of.get(wid)]
    return {
        "issued": len(issued_ids),
        "issued_duplicate_ids": len(issued_ids) - len(issued_set),
        "issued_duplicate_numbers": sorted(n for n, c in numbers.items() if c > 1)[:50],
        "called_200": len(rec.called),
        "double_calls": sum(n - 1 for n in doubles.values()),
        "double_call_ids": sorted(doubles)[:50],
        "missing": len(missing),
        "missing_ids": missing[:50],
        "called_not_issued": len(unexpected),
        "called_not_issued_ids": unexpected[:50],
        "wrong_window_number": len(wrong_window),
        "wrong_window_sample": wrong_window[:10],
    }


def build_report(args, rec: Recorder, windows, checks, db, health, aborted: str | None, log_path: Path) -> dict:
    issue_phase = latency_stats(rec.issue["issue"], rec.phase_start.get("issue"))
    issue_mixed = latency_stats(rec.issue["mixed"], rec.phase_start.get("mixed"))
    call200 = latency_stats(rec.call200, rec.phase_start.get("mixed"))
    call204 = latency_stats(rec.call204, rec.phase_start.get("mixed"))
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
        overlap = {"wall_s": round(span, 3), "count": rec.calls_while_issuing,
                   "rps": round(rec.calls_while_issuing / span, 1) if span > 0 else None}

    correct = (
        aborted is None and checks is not None and db is not None
        and checks["double_calls"] == 0 and checks["missing"] == 0 and checks["called_not_issued"] == 0
        and checks["issued_duplicate_ids"] == 0 and not checks["issued_duplicate_numbers"]
        and checks["issued"] == args.prefill + args.tickets
        and not db["double_call_events"] and db["waiting_left"] == 0 and not db["duplicate_numbers"]
    )
    def meets_target(stats) -> bool:
        return bool(
            correct and stats and args.clerks >= TARGET_CLERKS and stats["rps"] is not None
            and stats["rps"] >= TARGET_CALLS_PER_S and stats["p95_ms"] is not None and stats["p95_ms"] < TARGET_P95_MS
        )

    target_ok = meets_target(call200)
    target_backlog_ok = meets_target(backlog)
    server_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    requests = {
        "issue": len(rec.issue["issue"]) + sum(v for k, v in rec.errors.items() if k.startswith("issue ")),
        "mixed": len(rec.issue["mixed"]) + len(rec.call200) + len(rec.call204)
        + sum(v for k, v in rec.errors.items() if k.startswith("mixed ")),
    }
    cpu_per_request = {}
    for phase, cpu in rec.cpu.items():
        if cpu and requests.get(phase):
            cpu_per_request[phase] = {
                name: round(1000.0 * cpu["cpu_s"][name] / requests[phase], 2) for name in ("gunicorn", "postgres", "client")
            }
    warnings = []
    for phase, cpu in rec.cpu.items():
        if cpu and cpu["other"] > 25:
            warnings.append(f"{phase}: other processes used {cpu['other']}% of a core; the machine was not quiet, "
                            "figures are pessimistic")
        if cpu and cpu["client"] > 70:
            warnings.append(f"{phase}: the client used {cpu['client']}% of a core; it may be the bottleneck")
    if rec.source_at_start and rec.source_at_end and rec.source_at_start["sha256"] != rec.source_at_end["sha256"]:
        warnings.append("server source files changed during the run (someone edited them); the workers ran the code "
                        "as it was at start-up")
    if rec.source_at_start and rec.source_at_start.get("uncommitted"):
        warnings.append(f"server code has uncommitted changes: {rec.source_at_start['uncommitted']}")
    return {
        "benchmark": "queue_bench",
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": {
            "clerks": args.clerks, "kiosks": args.kiosks, "prefill": args.prefill, "tickets": args.tickets,
            "workers": args.workers, "worker_class": args.worker_class, "port": args.port,
            "db_name": args.db_name, "queue": args.queue, "redis": bool(args.redis_url),
            "timeout_s": args.timeout_s, "empty_sleep_ms": args.empty_sleep_ms, "windows": [w["id"] for w in windows],
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "health": health,
        },
        "results": {
            "issue_phase": {"issue": issue_phase},
            "mixed_phase": {
                "issue": issue_mixed,
                "call_next_200": call200,
                "call_next_204": call204,
                "call_next_200_while_kiosks_active": overlap,
                "call_next_200_until_line_first_empty": backlog,
            },
        },
        "timeline": {phase: timeline(rec, phase) for phase in ("issue", "mixed")},
        "http_errors": dict(rec.errors),
        "http_error_samples": rec.error_samples,
        "checks": checks,
        "db_checks": db,
        "cpu_pct_of_one_core": rec.cpu,
        "cpu_ms_per_request": cpu_per_request,
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
            "text": f"{TARGET_CLERKS} clerks: >= {TARGET_CALLS_PER_S:.0f} call-next/s, p95 < {TARGET_P95_MS:.0f} ms, zero double calls",
            "pass": target_ok,
            "pass_until_line_first_empty": target_backlog_ok,
        },
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
    print(f"wuban queue benchmark  |  gunicorn workers={c['workers']} worker_class={c['worker_class']}  |  "
          f"clerks={c['clerks']} kiosks={c['kiosks']} prefill={c['prefill']} tickets={c['tickets']}  |  "
          f"queue={c['queue']} redis={'on' if c['redis'] else 'off'}  cpus={c['cpu_count']}")
    print("-" * 100)
    head = f"{'phase':<7} {'request':<30} {'count':>6} {'wall s':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(head)
    rows = [
        ("issue", "issue (201)", r["results"]["issue_phase"]["issue"]),
        ("mixed", "issue (201)", r["results"]["mixed_phase"]["issue"]),
        ("mixed", "call-next (200)", r["results"]["mixed_phase"]["call_next_200"]),
        ("mixed", "call-next (204, empty)", r["results"]["mixed_phase"]["call_next_204"]),
    ]
    for phase, name, s in rows:
        print(f"{phase:<7} {name:<30} {s['count']:>6} {fmt(s['wall_s'], 2):>8} {fmt(s['rps']):>8} "
              f"{fmt(s['p50_ms']):>8} {fmt(s['p95_ms']):>8} {fmt(s['p99_ms']):>8} {fmt(s['max_ms']):>8}")
    bl = r["results"]["mixed_phase"].get("call_next_200_until_line_first_empty")
    if bl and bl["count"]:
        print(f"{'mixed':<7} {'call-next 200, line not empty':<30} {bl['count']:>6} {fmt(bl['wall_s'], 2):>8} {fmt(bl['rps']):>8} "
              f"{fmt(bl['p50_ms']):>8} {fmt(bl['p95_ms']):>8} {fmt(bl['p99_ms']):>8} {fmt(bl['max_ms']):>8}")
    ov = r["results"]["mixed_phase"]["call_next_200_while_kiosks_active"]
    if ov:
        print(f"{'mixed':<7} {'call-next 200, kiosks busy':<30} {ov['count']:>6} {fmt(ov['wall_s'], 2):>8} {fmt(ov['rps']):>8}")
    tl = (r.get("timeline") or {}).get("mixed")
    if tl:
        print(f"mixed phase by {tl['bucket_s']} s (req/s issue/call200/call204; p95 ms issue/call200):")
        cells = [f"{row['t_s']:>4}s {row['issue_rps']:.0f}/{row['call200_rps']:.0f}/{row['call204_rps']:.0f} "
                 f"{fmt(row['issue_p95_ms'], 0)}/{fmt(row['call200_p95_ms'], 0)}" for row in tl["rows"]]
        for i in range(0, len(cells), 4):
            print("  " + " | ".join(cells[i:i + 4]))
    print("-" * 100)
    ch, db = r["checks"], r["db_checks"]
    if ch:
        print(f"issued {ch['issued']}  called {ch['called_200']}  double calls {ch['double_calls']}  "
              f"missing {ch['missing']}  called-not-issued {ch['called_not_issued']}  "
              f"wrong window_number {ch['wrong_window_number']}  dup numbers (client) {len(ch['issued_duplicate_numbers'])}")
        if ch["double_calls"]:
            print(f"  double-called ids: {ch['double_call_ids']}")
        if ch["missing"]:
            print(f"  missing ids: {ch['missing_ids']}")
    if db:
        print(f"db: tickets with >1 'call' event {db['double_call_tickets']}  waiting left {db['waiting_left']}  "
              f"duplicate numbers {len(db['duplicate_numbers'])}  tickets by state {db['tickets_by_state']}")
    if r["http_errors"]:
        print(f"HTTP errors: {r['http_errors']}")
        for sample in r["http_error_samples"][:5]:
            print(f"  {sample}")
    sl = r["server_log"]
    if sl["tracebacks"] or sl["worker_timeouts"]:
        print(f"server log: {sl['tracebacks']} tracebacks, {sl['worker_timeouts']} worker timeouts ({sl['path']})")
    for phase, cpu in r["cpu_pct_of_one_core"].items():
        if cpu:
            per = r["cpu_ms_per_request"].get(phase, {})
            print(f"cpu {phase:<5} % of one core ({cpu['cores']} cores): gunicorn {cpu['gunicorn']} "
                  f"(per process {'/'.join(str(v) for v in cpu['gunicorn_per_process'].values())})  "
                  f"postgres {cpu['postgres']}  client {cpu['client']}  other {cpu['other']}  "
                  f"unattributed {cpu['unattributed']}  "
                  f"| machine busy {cpu['machine_busy_pct_of_all_cores']}% | cpu ms/request: "
                  f"gunicorn {per.get('gunicorn')} postgres {per.get('postgres')} client {per.get('client')}")
    for phase, pa in r.get("pg_activity", {}).items():
        if not pa.get("samples"):
            continue
        states = ", ".join(f"{k} {v}" for k, v in list(pa["avg_connections_by_state"].items())[:5])
        print(f"pg server connections, {phase} (avg per sample): {states}")
        for q, v in list(pa["avg_lock_waiters_by_query"].items())[:3]:
            print(f"  avg lock waiters {v}: {q}")
    src = (r.get("source") or {}).get("at_start")
    if src:
        print(f"server code: git {src['git_head']} sha256 {src['sha256']} uncommitted {len(src['uncommitted'] or [])} file(s)")
    for warning in r["warnings"]:
        print(f"WARNING: {warning}")
    print("-" * 100)
    if r["aborted"]:
        print(f"ABORTED: {r['aborted']}")
    print(f"correctness (every issued ticket called exactly once): {'PASS' if r['correctness_pass'] else 'FAIL'}")
    print(f"target ({r['target']['text']}): {'PASS' if r['target']['pass'] else 'FAIL'} on the whole mixed phase, "
          f"{'PASS' if r['target'].get('pass_until_line_first_empty') else 'FAIL'} while the line was not empty")
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
    p.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test",
                   help="an existing database to connect to for DROP/CREATE DATABASE")
    p.add_argument("--db-name", default="wuban_bench", help="database to (re)create; it is DROPPED first")
    p.add_argument("--queue", default="shsd", help="queue every bench window serves")
    p.add_argument("--timeout-s", type=float, default=300.0, help="overall time limit of the run")
    p.add_argument("--redis-url", default="",
                   help="set REDIS_URL for the server (default: unset, events stay in each worker); "
                        "note Socket.IO pub/sub channels are shared by every Redis database number")
    p.add_argument("--empty-sleep-ms", type=float, default=5.0,
                   help="a clerk's pause after a 204 before calling again")
    p.add_argument("--sample-interval", type=float, default=0.25,
                   help="seconds between pg_stat_activity samples in the mixed phase (0: off)")
    args = p.parse_args(argv)
    for name in ("clerks", "kiosks", "workers"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.prefill < 0 or args.tickets < 0:
        p.error("--prefill and --tickets must be >= 0")
    check_local_url(args.postgres_url, "--postgres-url")
    if args.redis_url:
        check_local_url(args.redis_url, "--redis-url")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
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
    db_url = with_dbname(args.postgres_url, args.db_name)
    base = f"http://127.0.0.1:{args.port}"
    try:
        create_database(args.postgres_url, args.db_name)
        env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench-secret-not-for-production-32-bytes+")
        env.pop("REDIS_URL", None)
        run_cmd([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env, deadline, "db upgrade")
        run_cmd([sys.executable, "-m", "flask", "--app", "wsgi", "demo", "load"], env, deadline, "demo load")
        windows = setup_windows(db_url, args.queue, args.clerks)
        rec.source_at_start = source_state()
        server = start_server(args, db_url, log_path)
        health = wait_healthy(server, base, deadline, log_path)
        log(f"healthz: {health}")
        try:
            asyncio.run(asyncio.wait_for(
                run_load(args, base, windows, rec, server.pid, db_url, args.db_name, deadline),
                timeout=deadline.left(15) - 15,  # keep 15 s for the checks and shutdown
            ))
        except asyncio.TimeoutError as exc:
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
        checks = client_checks(rec, windows)
        try:
            db = db_checks(db_url)
        except Exception as exc:  # noqa: BLE001
            aborted = aborted or f"database checks failed: {exc}"
    report = build_report(args, rec, windows, checks, db, health, aborted, log_path)
    print_report(report)
    out = RESULTS_DIR / f"queue_bench-{stamp}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"results: {out.relative_to(REPO)}   server log: {log_path.relative_to(REPO)}")
    if aborted and server is not None:
        print(tail(log_path, 20))
    return 0 if report["correctness_pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
