"""Fan-out benchmark of the realtime layer (叫号大屏推送): many boards, two server processes, one Redis.

Run from the repository root:

    .venv/bin/python bench/fanout_bench.py [--clients 1000] [--clerks 4] [--calls 50] [--pace-s 1.0] ...

It builds a fresh PostgreSQL database with the demo hall, starts a private redis-server (so no other
server on the shared Redis hears the bench's events, nor the bench theirs) and TWO gunicorn servers
the production way (``gunicorn -c gunicorn.conf.py``, one worker each, WUBAN_WORKER=--worker,
REDIS_URL = the private Redis), issues the tickets to be called, then connects --clients Socket.IO
clients (half to each server) from one asyncio process, subscribes each to hall xiqu, and lets
--clerks clerks call (call-next, each clerk every --pace-s seconds, alternating the two servers).

Every client checks that seq grows by one across ticket_called and queue_updated. The report gives
the share of ticket_called events delivered (expected = calls x clients), the latency from the call's
commit (~ when the call-next answer reached the bench; an event may arrive before that answer, since
the server emits before it sends the answer) and from the request's send, and the CPU share of the
bench client and of each server over the call phase (from /proc, plus a ``top -b -n2 -d1`` frame).

The clients speak Engine.IO 4 / Socket.IO 5 over aiohttp websockets directly (--client raw, the
default: light enough for 1000 clients on 2 cores); --client socketio uses python-socketio's
AsyncClient instead. Only 127.0.0.1 is contacted; everything started is stopped and the database
dropped at the end, also on errors, Ctrl-C or --timeout-s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import psycopg2
from psycopg2 import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.live import LiveServer, PrivateRedis, prepare_database  # noqa: E402

RESULTS_DIR = REPO / "bench" / "results"
HALL = "xiqu"
QUEUE = "shsd"
CLERK_WINDOWS = [1, 2, 3, 13, 4, 5, 6, 7]  # windows of the demo hall; 1, 2, 3 and 13 serve shsd
TARGET_CLIENTS = 1000
TARGET_P95_MS = 100.0
TICK = time.monotonic


class BenchAbort(Exception):
    """The run cannot go on."""


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


# --- processes -----------------------------------------------------------------------------------------


def worker_pid(server: LiveServer) -> int | None:
    """The gunicorn worker (child of the master) of a LiveServer."""
    if not server.process:
        return None
    master = server.process.pid
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def cpu_seconds(pid: int | None) -> float | None:
    """utime + stime of a process, in seconds."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def pids_named(name: str) -> list[int]:
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def top_frame(pids: dict[str, int | None]) -> str:
    """A `top -b` frame (the second of two, 1 s apart) for the bench's processes."""
    wanted = [str(pid) for pid in pids.values() if pid]
    if not wanted:
        return ""
    try:
        # The first frame's figures are averaged since each process started; the second covers 1 s.
        out = subprocess.run(
            ["top", "-b", "-n2", "-d1", "-w", "200", "-p", ",".join(wanted)],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
        out = "top -" + out.split("top -")[-1] if "top -" in out else out
    except (OSError, subprocess.TimeoutExpired):
        return ""
    names = {str(pid): name for name, pid in pids.items() if pid}
    lines = []
    for line in out.splitlines():
        first = line.split()[0] if line.split() else ""
        if first in names:
            line = f"{line}   <- {names[first]}"
        lines.append(line)
    return "\n".join(lines)


# --- database ------------------------------------------------------------------------------------------


def recreate_database(postgres_url: str, name: str) -> str:
    try:
        admin = psycopg2.connect(postgres_url, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        raise BenchAbort(f"PostgreSQL unreachable at {postgres_url}: {exc}") from exc
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    url = f"{postgres_url.rpartition('/')[0]}/{name}"
    prepare_database(url)
    return url


def drop_database(postgres_url: str, name: str) -> None:
    try:
        admin = psycopg2.connect(postgres_url, connect_timeout=3)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()
    except psycopg2.Error as exc:
        print(f"warning: could not drop database {name}: {exc}", file=sys.stderr)


# --- boards --------------------------------------------------------------------------------------------


class Stats:
    """What every client received, shared by all of them (one event loop, no locks needed)."""

    def __init__(self) -> None:
        self.received: dict[str, list[float]] = {}  # ticket number -> arrival times (one per client)
        self.queue_updates = 0
        self.notices = 0
        self.seq_gaps = 0  # arrivals with seq > last + 1: each makes live.js re-fetch the snapshot
        self.late = 0  # arrivals with seq < the highest seen (overtaken by a later event)
        self.missing = 0  # seqs between the snapshot's and the last one that never arrived
        self.errors: list[str] = []

    def seq(self, board, seq) -> None:
        """Account one event's seq for one board."""
        if seq is None or board.last_seq is None:
            return
        board.seen.add(seq)
        if seq > board.last_seq + 1:
            self.seq_gaps += 1
        elif seq <= board.last_seq:
            self.late += 1
        board.last_seq = max(board.last_seq, seq)

    def settle(self, boards) -> None:
        """Count, per board, the seqs after its snapshot up to the last it saw that never came."""
        self.missing = 0
        for board in boards:
            if board.first_seq is None or not board.seen:
                continue
            first = board.first_seq
            if first == 0:
                # A hall whose counter was never set (fresh Redis): its first event jumps to the
                # milliseconds since 2020 (realtime/seq.py), a gap live.js closes with one re-fetch.
                first = min(board.seen) - 1
            after = sum(1 for seq in board.seen if first < seq <= board.last_seq)
            self.missing += board.last_seq - first - after

    def called(self, number: str, at: float, server: int = 0) -> None:
        self.received.setdefault(number, []).append((at, server))


class RawBoard:
    """A Socket.IO 5 client over one Engine.IO 4 websocket: connect, subscribe, then count events."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        stats: Stats,
        server: int = 0,
        subscribe: dict | None = None,
        token: str | None = None,
    ) -> None:
        self.server = server
        self.session = session
        self.url = base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.subscribe = subscribe or {"hall": HALL}  # a clerk screen: {"window": id} with a staff token
        self.token = token
        self.stats = stats
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.seen: set[int] = set()
        self.early: list[int] = []
        self.task: asyncio.Task | None = None

    async def connect(self, timeout: float) -> None:
        self.ws = await self.session.ws_connect(
            self.url, timeout=aiohttp.ClientWSTimeout(ws_close=5), autoping=False, max_msg_size=0
        )
        opened = await self.ws.receive_str(timeout=timeout)
        if not opened.startswith("0"):
            raise BenchAbort(f"unexpected Engine.IO open packet {opened[:80]!r}")
        await self.ws.send_str("40" + (json.dumps({"token": self.token}) if self.token else ""))
        while True:
            packet = await self.ws.receive_str(timeout=timeout)
            if packet == "2":
                await self.ws.send_str("3")
            elif packet.startswith("40"):
                break
            elif packet.startswith("44"):
                raise BenchAbort(f"connection refused: {packet[:200]}")
        await self.ws.send_str("421" + json.dumps(["subscribe", self.subscribe]))
        while True:
            packet = await self.ws.receive_str(timeout=timeout)
            if packet == "2":
                await self.ws.send_str("3")
            elif packet.startswith("431"):
                snapshot = json.loads(packet[3:])[0]
                if "error" in snapshot:
                    raise BenchAbort(f"subscribe refused: {snapshot}")
                self.first_seq = self.last_seq = snapshot["seq"]
                for seq in self.early:  # events that raced the ack
                    if seq is not None and seq > self.first_seq:
                        self.stats.seq(self, seq)
                break
            elif packet.startswith("42"):
                self._event(packet)  # an event racing the ack: counted, seq checked after the ack
        self.task = asyncio.create_task(self._read())

    def _event(self, packet: str) -> None:
        now = TICK()
        name, payload = json.loads(packet[2:])
        if self.last_seq is None:
            self.early.append(payload.get("seq"))
        else:
            self.stats.seq(self, payload.get("seq"))
        if name == "ticket_called":
            self.stats.called(payload["number"], now, self.server)
        elif name == "queue_updated":
            self.stats.queue_updates += 1
        else:
            self.stats.notices += 1  # ticket_updated, window_updated: no seq

    async def _read(self) -> None:
        ws = self.ws
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = message.data
                if data.startswith("42"):
                    self._event(data)
                elif data == "2":
                    await ws.send_str("3")
        except (asyncio.CancelledError, aiohttp.ClientError):
            pass
        except Exception as exc:  # keep a record, never kill the loop
            self.stats.errors.append(repr(exc))

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
        if self.ws is not None and not self.ws.closed:
            try:
                await asyncio.wait_for(self.ws.close(), 2)
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass


class SocketIOBoard:
    """The same board through python-socketio's AsyncClient (aiohttp websocket transport)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, stats: Stats, server: int = 0) -> None:
        import socketio

        self.server = server
        self.url = base_url
        self.stats = stats
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.seen: set[int] = set()
        self.client = socketio.AsyncClient(reconnection=False, http_session=session)
        self.client.on("ticket_called", self._called)
        self.client.on("queue_updated", self._queue)
        self.client.on("*", self._notice)

    def _seq(self, payload: dict) -> None:
        self.stats.seq(self, payload.get("seq"))

    async def _called(self, payload):
        self.stats.called(payload["number"], TICK(), self.server)
        self._seq(payload)

    async def _notice(self, event, payload=None):
        self.stats.notices += 1

    async def _queue(self, payload):
        self.stats.queue_updates += 1
        self._seq(payload)

    async def connect(self, timeout: float) -> None:
        await self.client.connect(self.url, transports=["websocket"], wait_timeout=timeout)
        snapshot = await self.client.call("subscribe", {"hall": HALL}, timeout=timeout)
        if "error" in snapshot:
            raise BenchAbort(f"subscribe refused: {snapshot}")
        self.first_seq = self.last_seq = snapshot["seq"]

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.client.disconnect(), 2)
        except (TimeoutError, Exception):
            pass


# --- clerks --------------------------------------------------------------------------------------------


async def post_json(session, url, body=None, token=None, timeout=30.0):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.post(
        url, json=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as answer:
        return answer.status, parse_body(await answer.text())


def parse_body(text: str):
    """Return a JSON answer's body; a proxy's HTML error page or an empty body is kept as text."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return {"unparsed": text[:300]}


async def loop_lag(samples: list) -> None:
    """Measure how late the bench's event loop wakes from a 5 ms sleep (its own queueing delay)."""
    while True:
        before = TICK()
        await asyncio.sleep(0.005)
        samples.append(1000 * (TICK() - before - 0.005))


async def clerk(
    session,
    base_url: str,
    server: int,
    token: str,
    window_id: int,
    calls: int,
    pace_s: float,
    start: float,
    record: list,
) -> None:
    """Call `calls` times, one every pace_s seconds from `start` (no drift), recording each call."""
    for index in range(calls):
        delay = start + index * pace_s - TICK()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = TICK()
        try:
            # A window holds one ticket: the one called before is released as 过号 by the same request.
            status, body = await post_json(
                session, f"{base_url}/api/v1/windows/{window_id}/call-next", {"release": "no_show"}, token
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            record.append({"sent": sent, "answered": TICK(), "status": None, "error": repr(exc)})
            continue
        answered = TICK()
        record.append(
            {
                "sent": sent,
                "answered": answered,
                "status": status,
                "server": server,
                "number": body.get("number") if status == 200 and body else None,
            }
        )


# --- the run -------------------------------------------------------------------------------------------


async def connect_boards(kind, session, urls, count, stats, concurrency, timeout) -> tuple[list, float]:
    board_class = RawBoard if kind == "raw" else SocketIOBoard
    boards = [
        board_class(session, urls[index % len(urls)], stats, index % len(urls)) for index in range(count)
    ]
    gate = asyncio.Semaphore(concurrency)

    done = 0

    async def one(board):
        nonlocal done
        async with gate:
            await asyncio.wait_for(board.connect(timeout), timeout)
            done += 1
            if done % 100 == 0:
                print(f"  {done} subscribed after {TICK() - started:.1f} s", flush=True)

    started = TICK()
    results = await asyncio.gather(*(one(board) for board in boards), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    connected = [
        board for board, result in zip(boards, results, strict=True) if not isinstance(result, BaseException)
    ]
    if failures:
        print(f"  {len(failures)} clients failed to connect/subscribe, e.g. {failures[0]!r}")
    return connected, TICK() - started


async def run(args, urls: list[str], servers: list[LiveServer]) -> dict:
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Staff: tokens, windows opened, tickets issued before any board connects (not measured).
        tokens, windows = [], []
        for index in range(args.clerks):
            username = f"clerk{index + 1}" if index < 6 else "admin"
            status, body = await post_json(
                session, f"{urls[0]}/api/v1/auth/token", {"username": username, "password": "demo"}
            )
            if status != 200:
                raise BenchAbort(f"sign-in of {username} failed: {status} {body}")
            tokens.append(body["token"])
        async with session.get(
            f"{urls[0]}/api/v1/halls/{HALL}/windows", headers={"Authorization": f"Bearer {tokens[0]}"}
        ) as answer:
            by_number = {window["number"]: window for window in await answer.json()}
        for index in range(args.clerks):
            window = by_number[CLERK_WINDOWS[index]]
            if QUEUE not in window["queues"]:
                raise BenchAbort(f"window {window['number']} does not serve {QUEUE}; use at most 4 clerks")
            status, body = await post_json(
                session, f"{urls[0]}/api/v1/windows/{window['id']}/status", {"status": "open"}, tokens[index]
            )
            if status != 200:
                raise BenchAbort(f"could not open window {window['number']}: {status} {body}")
            windows.append(window["id"])
        total_calls = args.clerks * args.calls
        for index in range(total_calls):
            status, body = await post_json(
                session, f"{urls[index % len(urls)]}/api/v1/halls/{HALL}/tickets", {"queue": QUEUE}
            )
            if status != 201:
                raise BenchAbort(f"ticket issue failed: {status} {body}")

        # Boards.
        print(
            f"connecting {args.clients} {args.client} clients ({len(urls)} servers, "
            f"{args.connect_concurrency} at a time)…"
        )
        boards, connect_s = await connect_boards(
            args.client, session, urls, args.clients, stats, args.connect_concurrency, args.connect_timeout_s
        )
        print(f"  {len(boards)} subscribed in {connect_s:.1f} s")
        if not boards:
            raise BenchAbort("no client could subscribe")
        await asyncio.sleep(1.0)
        stats.received.clear()
        stats.queue_updates = stats.seq_gaps = stats.late = stats.notices = 0

        # Calls.
        pids = {
            "bench client": os.getpid(),
            "server A": worker_pid(servers[0]),
            "server B": worker_pid(servers[1]) if len(servers) > 1 else None,
        }
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        machine_before = machine_ticks()
        records: list[dict] = []
        start = TICK() + 0.2
        print(f"calling: {args.clerks} clerks x {args.calls} calls, one every {args.pace_s} s per clerk…")
        clerks = [
            clerk(
                session,
                urls[index % len(urls)],
                index % len(urls),
                tokens[index],
                windows[index],
                args.calls,
                args.pace_s,
                start + index * args.pace_s / args.clerks,
                records,
            )
            for index in range(args.clerks)
        ]
        lag: list[float] = []
        lag_task = asyncio.create_task(loop_lag(lag))
        top_task = asyncio.create_task(asyncio.to_thread(_delayed_top, pids, args.calls * args.pace_s / 2))
        await asyncio.gather(*clerks)
        calls_end = TICK()
        lag_task.cancel()

        # Drain: wait until every client has every call, or the drain timeout.
        numbers = [record["number"] for record in records if record.get("number")]
        expected = len(numbers) * len(boards)
        deadline = TICK() + args.drain_s
        while TICK() < deadline:
            if sum(len(stats.received.get(number, ())) for number in numbers) >= expected:
                break
            await asyncio.sleep(0.1)
        phase_s = TICK() - start
        cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        machine_after = machine_ticks()
        top_text = await top_task
        stats.settle(boards)

        await asyncio.gather(*(board.close() for board in boards))

    delivered = sum(min(len(stats.received.get(number, ())), len(boards)) for number in numbers)
    from_commit, from_send, same_server, other_server = [], [], [], []
    for record in records:
        number = record.get("number")
        for arrived, server in stats.received.get(number, ()) if number else ():
            from_commit.append(1000 * (arrived - record["answered"]))
            from_send.append(1000 * (arrived - record["sent"]))
            (same_server if server == record["server"] else other_server).append(
                1000 * (arrived - record["sent"])
            )
    answer_ms = [
        1000 * (record["answered"] - record["sent"]) for record in records if record.get("status") == 200
    ]
    busy, total = (after - before for after, before in zip(machine_after, machine_before, strict=True))
    cpu = {"whole machine (all processes)": round(100 * os.cpu_count() * busy / total, 1) if total else None}
    for name in pids:
        if cpu_before.get(name) is not None and cpu_after.get(name) is not None:
            cpu[name] = round(100 * (cpu_after[name] - cpu_before[name]) / phase_s, 1)

    def summary(values):
        return {
            key: (round(value, 1) if value is not None else None)
            for key, value in (
                ("p50", percentile(values, 0.50)),
                ("p95", percentile(values, 0.95)),
                ("p99", percentile(values, 0.99)),
                ("max", max(values) if values else None),
                ("min", min(values) if values else None),
                ("mean", statistics.fmean(values) if values else None),
            )
        }

    return {
        "clients_requested": args.clients,
        "clients_subscribed": len(boards),
        "connect_s": round(connect_s, 1),
        "calls_ok": len(numbers),
        "calls_failed": len(records) - len(numbers),
        "expected_events": expected,
        "delivered_events": delivered,
        "delivered_share": round(delivered / expected, 6) if expected else None,
        "queue_updated_received": stats.queue_updates,
        "notices_received": stats.notices,
        "seq_gaps": stats.seq_gaps,
        "late_events": stats.late,
        "missing_seqs": stats.missing,
        "client_errors": stats.errors[:5],
        "latency_from_commit_ms": summary(from_commit),
        "latency_from_send_ms": summary(from_send),
        "call_next_answer_ms": summary(answer_ms),
        "from_send_board_on_calling_server_ms": summary(same_server),
        "from_send_board_on_other_server_ms": summary(other_server),
        "bench_loop_lag_ms": summary(lag),
        "call_phase_s": round(calls_end - start, 1),
        "cpu_percent_of_one_core": cpu,
        "top": top_text,
    }


def _delayed_top(pids, delay):
    time.sleep(max(0.5, delay))
    extra = {"postgres": (pids_named("postgres") or [None])[0]}
    return top_frame({**pids, **extra})


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clients", type=int, default=TARGET_CLIENTS, help="Socket.IO clients (half per server)"
    )
    parser.add_argument(
        "--clerks", type=int, default=4, help="clerks calling at once (at most 4: windows serving shsd)"
    )
    parser.add_argument("--calls", type=int, default=50, help="calls per clerk")
    parser.add_argument("--pace-s", type=float, default=1.0, help="seconds between two calls of one clerk")
    parser.add_argument("--worker", choices=["eventlet", "gevent"], default="eventlet", help="WUBAN_WORKER")
    parser.add_argument("--client", choices=["raw", "socketio"], default="raw", help="client implementation")
    parser.add_argument("--servers", type=int, choices=[1, 2], default=2, help="server processes")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--db-name", default="wuban_fanout_bench", help="database to recreate (it is dropped)"
    )
    parser.add_argument("--redis-url", default=None, help="use this Redis instead of a private redis-server")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--connect-timeout-s", type=float, default=30.0)
    parser.add_argument(
        "--drain-s", type=float, default=15.0, help="wait this long for late events after the calls"
    )
    parser.add_argument("--timeout-s", type=float, default=600.0, help="overall limit of the run")
    args = parser.parse_args()
    if not 1 <= args.clerks <= 4:
        parser.error("--clerks must be 1..4")
    for url in (args.postgres_url, args.redis_url or "redis://127.0.0.1"):
        host = urlsplit(url).hostname
        if host not in ("127.0.0.1", "localhost"):
            parser.error(f"only 127.0.0.1 may be used, not {host}")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.clients * 2 + 512))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # inherited by the servers too

    redis = None
    servers: list[LiveServer] = []
    created_db = False

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    started = TICK()
    status = 1
    try:
        redis_url = args.redis_url
        if redis_url is None:
            if shutil.which("redis-server") is None:
                raise BenchAbort("redis-server not found (apt-get install redis-server), or give --redis-url")
            redis = PrivateRedis()
            redis_url = redis.start().url
        print(f"database {args.db_name}: migrating and loading the demo hall…")
        database_url = recreate_database(args.postgres_url, args.db_name)
        created_db = True
        for _ in range(args.servers):
            server = LiveServer(
                database_url,
                worker=args.worker,
                redis_url=redis_url,
                extra_env={"WORKER_CONNECTIONS": str(max(1000, args.clients + 100))},
            )
            servers.append(server)
            server.start()
        print(f"servers: {', '.join(s.url for s in servers)} ({args.worker}), redis {redis_url}")
        result = asyncio.run(
            asyncio.wait_for(
                run(args, [s.url for s in servers], servers), max(10.0, args.timeout_s - (TICK() - started))
            )
        )
        result |= {
            "worker": args.worker,
            "client": args.client,
            "servers": args.servers,
            "clerks": args.clerks,
            "calls_per_clerk": args.calls,
            "pace_s": args.pace_s,
            "cpus": os.cpu_count(),
        }
        report(result)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / f"fanout-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(f"written {out.relative_to(REPO)}")
        delivered = result["delivered_share"] == 1 and not result["missing_seqs"]
        status = 0 if delivered and not result["calls_failed"] else 1
    except (TimeoutError, BenchAbort, KeyboardInterrupt, RuntimeError) as exc:
        print(f"aborted: {exc!r}", file=sys.stderr)
        for server in servers:
            print(f"  server log: {server.log_path}", file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
        if redis:
            redis.stop()
        if created_db:
            drop_database(args.postgres_url, args.db_name)
    return status


def report(result: dict) -> None:
    print()
    print(
        f"clients subscribed        {result['clients_subscribed']} / {result['clients_requested']} "
        f"(in {result['connect_s']} s)"
    )
    print(
        f"calls                     {result['calls_ok']} ok, {result['calls_failed']} failed, "
        f"{result['clerks']} clerks, every {result['pace_s']} s each, {result['call_phase_s']} s"
    )
    share = result["delivered_share"]
    print(
        f"ticket_called delivered   {result['delivered_events']} / {result['expected_events']} "
        f"= {100 * share:.3f} %"
        if share is not None
        else "ticket_called delivered   n/a"
    )
    print(
        f"queue_updated received    {result['queue_updated_received']}   "
        f"notices (no seq) {result['notices_received']}"
    )
    print(
        f"seq order                 {result['missing_seqs']} never arrived; "
        f"{result['seq_gaps']} arrivals ahead of "
        f"an earlier seq (each a live.js re-fetch), {result['late_events']} arrived after a later one"
    )
    for key, label in (
        ("latency_from_commit_ms", "latency from commit (ms)"),
        ("latency_from_send_ms", "latency from send (ms)"),
        ("from_send_board_on_calling_server_ms", " boards on calling server"),
        ("from_send_board_on_other_server_ms", " boards via Redis"),
        ("call_next_answer_ms", "call-next answer (ms)"),
        ("bench_loop_lag_ms", "bench event-loop lag (ms)"),
    ):
        s = result[key]
        print(f"{label:<26}p50 {s['p50']}  p95 {s['p95']}  p99 {s['p99']}  max {s['max']}  min {s['min']}")
    print(
        "CPU over the call phase   "
        + ", ".join(f"{k} {v} %" for k, v in result["cpu_percent_of_one_core"].items())
        + f"  (of one core; {result['cpus']} cores)"
    )
    p95 = result["latency_from_commit_ms"]["p95"]
    ok = (
        share == 1
        and not result["calls_failed"]
        and p95 is not None
        and p95 < TARGET_P95_MS
        and result["clients_subscribed"] >= TARGET_CLIENTS
    )
    print(
        f"target ({TARGET_CLIENTS} clients, 100 % delivered, p95 < {TARGET_P95_MS:.0f} ms): "
        f"{'met' if ok else 'NOT met'}"
    )
    if result["top"]:
        print("\ntop -b -n2 -d1, second frame (mid call phase):")
        print(result["top"])


if __name__ == "__main__":
    sys.exit(main())
