"""A simulated city day (issue #15.6): many halls, open-loop arrivals, boards and clerk screens live.

Run from the repository root:

    .venv/bin/python bench/city_day.py [--halls 20] [--windows 300] [--boards 2000] [--duration-s 180]

It builds a fresh PostgreSQL database with the demo city, starts a private redis-server and
--api-servers (2) gunicorn servers the production way (``gunicorn -c gunicorn.conf.py``, REDIS_URL =
that Redis) behind ONE address: nginx serving deploy/nginx-wuban.conf (sticky ``hash $remote_addr
consistent``, websocket upgrade headers) when nginx is installed, otherwise the clients are split
between the servers. --realtime-servers N adds N servers of their own for nginx's /socket.io/.
Through the admin API it adds halls until --halls exist, a queue ``cityday`` in each and --windows
windows spread over them, one clerk per hall signed in once per window. It connects --boards board
clients (``subscribe {"hall": code}``) and one clerk screen per window (``subscribe {"window": id}``
with the clerk's token), then plays a day compressed into --duration-s: tickets arrive on a schedule
(open loop) with a morning and an afternoon peak of --peak-per-s, and each ticket is called --lag-s
later at the next window of its hall. Reports latencies, delivery, errors and CPU per request, writes
``bench/results/city_day-<timestamp>.json`` and prints PASS/FAIL per target. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import shutil
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fanout_bench import (  # noqa: E402
    RESULTS_DIR,
    TICK,
    BenchAbort,
    RawBoard,
    Stats,
    drop_database,
    loop_lag,
    parse_body,
    percentile,
    post_json,
    recreate_database,
)
from queue_bench import CpuSampler  # noqa: E402

from tests.live import LiveServer, PrivateNginx, PrivateRedis  # noqa: E402

QUEUE = {"code": "cityday", "name": "城市一日综合受理", "prefixes": "QYXWVU"}
TARGETS = {"call_next_p95_ms": 50.0, "board_p95_ms": 100.0}
# The hall day (09:00–17:00) as a share of its peak rate: a morning peak near 10:00, a lunch dip,
# an afternoon peak near 15:00 (the shape of a service hall's 取号 curve).
PEAKS = ((0.22, 0.10, 1.0), (0.74, 0.10, 0.8))  # (centre, width, height) as shares of the day
BASE = 0.12


def day_shape(x: float) -> float:
    """Arrival rate at share x of the day (0..1), as a share of the peak rate (max 1)."""
    value = BASE + sum(height * math.exp(-(((x - centre) / width) ** 2)) for centre, width, height in PEAKS)
    return min(1.0, value / _SHAPE_MAX)


_SHAPE_MAX = max(
    BASE + sum(h * math.exp(-(((i / 1000 - c) / w) ** 2)) for c, w, h in PEAKS) for i in range(1001)
)


def day_schedule(duration_s: float, peak_per_s: float, step_s: float = 0.01) -> list[float]:
    """Arrival times (s from the start) of a compressed day: k-th once the rate's integral passes k + 0.5."""
    times, integral, due, t = [], 0.0, 0.5, 0.0
    while t < duration_s:
        integral += peak_per_s * day_shape((t + step_s / 2) / duration_s) * step_s
        t += step_s
        while integral >= due:
            times.append(round(t, 4))
            due += 1.0
    return times


def expected_arrivals(duration_s: float, peak_per_s: float) -> float:
    """The day's arrivals as the integral of the rate (what day_schedule rounds to whole tickets)."""
    steps = 10000
    return sum(peak_per_s * day_shape((i + 0.5) / steps) * duration_s / steps for i in range(steps))


# --- the city ----------------------------------------------------------------------------------------------


class Lanes:
    """Where the clients send: one address (nginx, several source addresses) or both servers in turn."""

    def __init__(self, urls: list[str], sources: int) -> None:
        self.urls, self.sources = urls, sources
        self.sessions: list[aiohttp.ClientSession] = []

    async def __aenter__(self) -> Lanes:
        for index in range(self.sources):
            # Distinct 127.0.0.x sources, so nginx's hash on the client address spreads them.
            local = (f"127.0.0.{10 + index}", 0) if self.sources > 1 else None
            connector = aiohttp.TCPConnector(limit=0, local_addr=local)
            self.sessions.append(aiohttp.ClientSession(connector=connector))
        return self

    async def __aexit__(self, *exc) -> None:
        for session in self.sessions:
            await session.close()

    def __len__(self) -> int:
        return max(len(self.urls), len(self.sessions))

    def pick(self, index: int) -> tuple[aiohttp.ClientSession, str, int]:
        lane = index % len(self)
        return self.sessions[lane % len(self.sessions)], self.urls[lane % len(self.urls)], lane


async def api(lanes: Lanes, index: int, method: str, path: str, body=None, token=None, timeout=30.0):
    session, url, _ = lanes.pick(index)
    if method == "POST":
        return await post_json(session, f"{url}/api/v1{path}", body, token, timeout)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(
        method,
        f"{url}/api/v1{path}",
        json=body,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as answer:
        return answer.status, parse_body(await answer.text())


async def expect(call, *ok: int):
    status, body = await call
    if status not in ok:
        raise BenchAbort(f"setup request answered {status}: {body}")
    return body


async def gather_limited(jobs, limit: int = 8) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(job):
        async with gate:
            return await job

    return await asyncio.gather(*(one(job) for job in jobs))


async def build_city(lanes: Lanes, halls: int, windows: int) -> tuple[list[str], list[dict]]:
    """Add halls (admin API) up to the count, the bench queue and windows in each; open them signed in."""
    admin = (
        await expect(api(lanes, 0, "POST", "/auth/token", {"username": "admin", "password": "demo"}), 200)
    )["token"]
    codes = [hall["code"] for hall in await expect(api(lanes, 0, "GET", "/halls"), 200)][:halls]
    for index in range(len(codes), halls):
        code = f"cd{index + 1:02d}"
        body = {"code": code, "name": f"城市一日第{index + 1}中心", "level": "community", "parent": "xiqu"}
        await expect(api(lanes, 0, "POST", "/admin/halls", body | {"hours": None}, admin), 201)
        codes.append(code)
    per_hall = [windows // halls + (1 if index < windows % halls else 0) for index in range(halls)]
    slots: list[dict] = []
    password = "Cityday-bench-2026"
    for code, count in zip(codes, per_hall, strict=True):
        await expect(api(lanes, 0, "PATCH", f"/admin/halls/{code}", {"hours": None}, admin), 200)
        for prefix in QUEUE["prefixes"]:
            body = {"code": QUEUE["code"], "name": QUEUE["name"], "prefix": prefix}
            status, answer = await api(lanes, 0, "POST", f"/admin/halls/{code}/queues", body, admin)
            if status == 201:
                break
            if status != 409:
                raise BenchAbort(f"queue of {code}: {status} {answer}")
        user = {"username": f"cd_{code}", "name": "城市一日窗口", "password": password, "roles": ["clerk"]}
        await expect(api(lanes, 0, "POST", "/admin/users", user | {"hall": code}, admin), 201)
        existing = await expect(api(lanes, 0, "GET", f"/halls/{code}/windows", token=admin), 200)
        first = max((window["number"] for window in existing), default=0) + 1
        made = await gather_limited(
            api(lanes, 0, "POST", f"/admin/halls/{code}/windows", w, admin)
            for w in (
                {"number": n, "name": f"{n}号综合窗口（城市一日）", "queues": [QUEUE["code"]]}
                for n in range(first, first + count)
            )
        )
        for status, window in made:
            if status != 201:
                raise BenchAbort(f"window of {code}: {status} {window}")
            slots.append({"hall": code, "id": window["id"], "user": user["username"]})
    sign_in = {"password": password}
    tokens = await gather_limited(
        expect(api(lanes, i, "POST", "/auth/token", sign_in | {"username": s["user"]}), 200)
        for i, s in enumerate(slots)
    )
    for slot, answer in zip(slots, tokens, strict=True):
        slot["token"], slot["lock"] = answer["token"], asyncio.Lock()
    await gather_limited(
        expect(api(lanes, i, "POST", f"/windows/{s['id']}/status", {"status": "open"}, s["token"]), 200)
        for i, s in enumerate(slots)
    )
    # Interleave the halls, so ticket k goes to slot k % len(slots) and the halls fill evenly.
    by_hall = {code: [s for s in slots if s["hall"] == code] for code in codes}
    order = [
        s
        for level in range(max(per_hall))
        for code in codes
        if level < len(by_hall[code])
        for s in [by_hall[code][level]]
    ]
    return codes, order


async def connect(lanes, slots, codes, boards: int, concurrency: int, timeout: float):
    """Connect the clerk screens (one per window) and the boards (spread over the halls)."""
    board_stats = {code: Stats() for code in codes}
    screen_stats = {code: Stats() for code in codes}
    clients = []
    for index, slot in enumerate(slots):
        session, url, lane = lanes.pick(index)
        screen = RawBoard(
            session, url, screen_stats[slot["hall"]], lane, {"window": slot["id"]}, slot["token"]
        )
        clients.append(("screen", slot["hall"], screen))
    for index in range(boards):
        code = codes[index % len(codes)]
        session, url, lane = lanes.pick(index + 1)
        clients.append(("board", code, RawBoard(session, url, board_stats[code], lane, {"hall": code})))
    gate = asyncio.Semaphore(concurrency)

    async def one(client):
        async with gate:
            await asyncio.wait_for(client.connect(timeout), timeout)

    started = TICK()
    results = await asyncio.gather(*(one(c[2]) for c in clients), return_exceptions=True)
    failures = [repr(r) for r in results if isinstance(r, BaseException)]
    connected = [c for c, r in zip(clients, results, strict=True) if not isinstance(r, BaseException)]
    print(f"  {len(connected)} of {len(clients)} clients subscribed in {TICK() - started:.1f} s", flush=True)
    return connected, board_stats, screen_stats, failures


async def play_day(lanes, slots, schedule, lag_s: float, release: str) -> tuple[list, list, list]:
    """Issue the tickets and make the calls on schedule (open loop: nothing waits for an answer)."""
    tickets, calls, starts = [], [], []
    start = TICK() + 0.5

    async def issue(k: int, slot: dict) -> None:
        sent = TICK()
        try:
            status, body = await api(
                lanes, k, "POST", f"/halls/{slot['hall']}/tickets", {"queue": QUEUE["code"]}
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            status, body = None, repr(exc)
        tickets.append(
            {"sent": sent, "answered": TICK(), "status": status, "error": None if status == 201 else body}
        )

    async def call(k: int, slot: dict) -> None:
        async with slot["lock"]:  # one clerk: the window's next request waits for the previous one
            sent = TICK()
            try:
                status, body = await api(
                    lanes, k, "POST", f"/windows/{slot['id']}/call-next", {"release": release}, slot["token"]
                )
            except (TimeoutError, aiohttp.ClientError) as exc:
                status, body = None, repr(exc)
            answered = TICK()
            calls.append(
                {
                    "sent": sent,
                    "answered": answered,
                    "status": status,
                    "hall": slot["hall"],
                    "number": body.get("number") if status == 200 else None,
                    "error": None if status in (200, 204) else body,
                }
            )
            if status == 200 and release == "finish":  # the citizen sits down: 开始办理
                sent = TICK()
                try:
                    status, body = await api(
                        lanes, k, "POST", f"/tickets/{body['id']}/start", None, slot["token"]
                    )
                except (TimeoutError, aiohttp.ClientError) as exc:
                    status, body = None, repr(exc)
                starts.append(
                    {
                        "sent": sent,
                        "answered": TICK(),
                        "status": status,
                        "error": None if status == 200 else body,
                    }
                )

    events = sorted(
        [(t, 0, k) for k, t in enumerate(schedule)] + [(t + lag_s, 1, k) for k, t in enumerate(schedule)]
    )
    tasks = []
    for at, kind, k in events:
        delay = start + at - TICK()
        if delay > 0:
            await asyncio.sleep(delay)
        slot = slots[k % len(slots)]
        tasks.append(asyncio.create_task((issue if kind == 0 else call)(k, slot)))
    await asyncio.gather(*tasks)
    return tickets, calls, starts


# --- figures -----------------------------------------------------------------------------------------------


def latency(records: list[dict], ok: tuple) -> dict:
    values = [1000 * (r["answered"] - r["sent"]) for r in records if r["status"] in ok]
    return {
        "count": len(values),
        **{
            k: round(percentile(values, q), 1) if values else None
            for k, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
        "max": round(max(values), 1) if values else None,
    }


def delivery(calls: list[dict], stats: dict, clients: list) -> dict:
    """Share of (call, subscriber of its hall) pairs delivered, latency from the call's answer, seq losses."""
    per_hall = Counter(code for _, code, _ in clients)
    expected = delivered = 0
    late, short = [], []  # short: calls some subscribers of the hall never heard (the first ten)
    for call in calls:
        if not call["number"]:
            continue
        arrivals = stats[call["hall"]].received.get(call["number"], [])
        expected += per_hall[call["hall"]]
        delivered += min(len(arrivals), per_hall[call["hall"]])
        if len(arrivals) < per_hall[call["hall"]] and len(short) < 10:
            short.append({"hall": call["hall"], "number": call["number"], "arrived": len(arrivals)})
        late.extend(1000 * (at - call["answered"]) for at, _server in arrivals)
    for code, hall_stats in stats.items():
        hall_stats.settle([c for _, hall, c in clients if hall == code])
    return {
        "subscribers": sum(per_hall.values()),
        "expected": expected,
        "delivered": delivered,
        "delivered_pct": round(100 * delivered / expected, 3) if expected else None,
        "latency_ms": {
            k: round(percentile(late, q), 1) if late else None
            for k, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
        "undelivered_calls": short,
        "seq_missing": sum(s.missing for s in stats.values()),
        "seq_reordered": sum(s.seq_gaps for s in stats.values()),
        "client_errors": [e for s in stats.values() for e in s.errors][:5],
    }


async def run(args, urls: list[str], sources: int, pgroups: dict, dbname: str) -> dict:
    async with Lanes(urls, sources) as lanes:
        print(f"building the city: {args.halls} halls, {args.windows} windows…", flush=True)
        codes, slots = await build_city(lanes, args.halls, args.windows)
        print(f"connecting {len(slots)} clerk screens and {args.boards} boards…", flush=True)
        clients, board_stats, screen_stats, failures = await connect(
            lanes, slots, codes, args.boards, args.connect_concurrency, args.connect_timeout_s
        )
        await asyncio.sleep(1.0)
        for stats in (*board_stats.values(), *screen_stats.values()):
            stats.received.clear()
            stats.queue_updates = stats.seq_gaps = stats.late = stats.notices = 0
        schedule = day_schedule(args.duration_s, args.peak_per_s)
        print(
            f"the day: {len(schedule)} citizens in {args.duration_s:.0f} s, peak {args.peak_per_s}/s…",
            flush=True,
        )
        sampler = CpuSampler(pgroups, dbname)
        sampler.start()
        lag: list[float] = []
        lag_task = asyncio.create_task(loop_lag(lag))
        day_start = TICK()
        tickets, calls, starts = await play_day(lanes, slots, schedule, args.lag_s, args.release)
        day_s = TICK() - day_start
        boards = [c for c in clients if c[0] == "board"]
        screens = [c for c in clients if c[0] == "screen"]
        wanted = sum(len(boards) // len(codes) for c in calls if c["number"])
        deadline = TICK() + args.drain_s
        while TICK() < deadline:
            got = sum(len(board_stats[c["hall"]].received.get(c["number"], ())) for c in calls if c["number"])
            if got >= wanted:
                break
            await asyncio.sleep(0.2)
        lag_task.cancel()
        cpu = sampler.finish()
        result = {
            "halls": len(codes),
            "windows": len(slots),
            "boards_connected": len(boards),
            "screens_connected": len(screens),
            "connect_failures": failures[:5],
            "connect_failed": len(failures),
            "citizens": len(schedule),
            "day_s": round(day_s, 1),
            "ticket": latency(tickets, (201,)),
            "call_next": latency(calls, (200,)),
            "call_next_empty": sum(1 for c in calls if c["status"] == 204),
            "start": latency(starts, (200,)),
            "boards": delivery(calls, board_stats, boards),
            "screens": delivery(calls, screen_stats, screens),
            "errors": sum(1 for r in (*tickets, *calls, *starts) if r["error"] is not None),
            "error_examples": [
                str(r["error"])[:200] for r in (*tickets, *calls, *starts) if r["error"] is not None
            ][:5],
            "bench_loop_lag_ms": {
                k: round(percentile(lag, q), 1) if lag else None for k, q in (("p50", 0.5), ("p95", 0.95))
            },
            "cpu": cpu,
        }
        requests = len(tickets) + len(calls) + len(starts)
        result["requests"] = requests
        result["cpu_ms_per_request"] = (
            {name: round(1000 * seconds / requests, 2) for name, seconds in cpu.get("cpu_s", {}).items()}
            if requests
            else {}
        )
        return result


def verdicts(r: dict) -> list[tuple[str, bool, str]]:
    board_p95 = r["boards"]["latency_ms"]["p95"]
    call_p95 = r["call_next"]["p95"]
    return [
        (
            "call-next p95 < 50 ms",
            call_p95 is not None and call_p95 < TARGETS["call_next_p95_ms"],
            f"{call_p95} ms",
        ),
        (
            "board delivery p95 < 100 ms",
            board_p95 is not None and board_p95 < TARGETS["board_p95_ms"],
            f"{board_p95} ms",
        ),
        (
            "100 % delivered, no seq lost",
            r["boards"]["delivered_pct"] == 100 and not r["boards"]["seq_missing"],
            f"{r['boards']['delivered_pct']} %, {r['boards']['seq_missing']} seq lost",
        ),
        (
            "0 errors",
            r["errors"] == 0 and r["connect_failed"] == 0,
            f"{r['errors']} requests, {r['connect_failed']} connects",
        ),
    ]


def limits(r: dict) -> list[str]:
    """Say what held the figures back: the machine's CPU, one process group, or the bench client."""
    cpu, notes = r["cpu"], []
    cores = cpu.get("cores") or 1
    busy = cpu.get("machine_busy_pct_of_all_cores")
    groups = {k: v for k, v in cpu.items() if isinstance(v, float | int) and k in cpu.get("cpu_s", {})}
    top = sorted(groups.items(), key=lambda kv: -kv[1])[:3]
    if busy is not None and busy >= 85:
        notes.append(
            f"CPU saturated: the machine was {busy} % busy ({cores} cores); biggest users "
            + ", ".join(f"{k} {v} % of one core" for k, v in top)
        )
    if groups.get("client", 0) >= 85:
        notes.append(f"the bench client (one Python process) used {groups['client']} % of a core: it limits")
    if groups.get("other", 0) >= 30:
        notes.append(f"other processes (not the bench) used {groups['other']} % of one core")
    for pid, pct in cpu.get("gunicorn_per_process", {}).items():
        if pct >= 85:
            notes.append(f"gunicorn process {pid} used {pct} % of one core (one worker is single-threaded)")
    return notes or ["no CPU limit seen: look at PostgreSQL locks or the Redis round trips"]


def print_report(r: dict) -> None:
    print()
    print(f"city: {r['halls']} halls, {r['windows']} windows; front: {r['front']}")
    print(
        f"clients: {r['boards_connected']} boards, {r['screens_connected']} clerk screens, "
        f"{r['connect_failed']} failed to connect"
    )
    print(
        f"day: {r['citizens']} citizens in {r['day_s']} s (peak {r['peak_per_s']}/s), release {r['release']}"
    )
    print(f"{'request':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label, key in (
        ("ticket (201)", "ticket"),
        ("call-next (200)", "call_next"),
        ("start (200)", "start"),
    ):
        s = r[key]
        print(f"{label:<28}{s['count']:>7}{s['p50']!s:>9}{s['p95']!s:>9}{s['p99']!s:>9}{s['max']!s:>9}")
    print(
        f"call-next 204 (nobody waiting): {r['call_next_empty']}; "
        f"errors: {r['errors']} {r['error_examples'][:2]}"
    )
    for label, key in (("boards", "boards"), ("clerk screens", "screens")):
        d = r[key]
        lat = d["latency_ms"]
        print(
            f"{label:<14} ticket_called {d['delivered']} / {d['expected']} = {d['delivered_pct']} %; "
            f"from the call's answer p50 {lat['p50']} p95 {lat['p95']} p99 {lat['p99']} ms; "
            f"seq lost {d['seq_missing']}, reordered {d['seq_reordered']}"
        )
        if d["undelivered_calls"]:
            print(f"{'':<14} calls not heard by every subscriber: {d['undelivered_calls']}")
    cpu = r["cpu"]
    print(
        f"CPU over the day (% of one core; machine "
        f"{cpu.get('machine_busy_pct_of_all_cores')} % of {cpu.get('cores')} cores):"
    )
    print(f"  {'process':<18}{'% core':>8}{'ms/request':>12}")
    for name, ms in r["cpu_ms_per_request"].items():
        print(f"  {name:<18}{cpu.get(name)!s:>8}{ms:>12}")
    print(
        f"  per gunicorn process: {cpu.get('gunicorn_per_process')}; "
        f"bench loop lag {r['bench_loop_lag_ms']} ms"
    )
    if r.get("upstream_split"):
        print(f"nginx requests per upstream: {r['upstream_split']}")
    for name, ok, value in r["verdicts"]:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
    if not all(ok for _, ok, _ in r["verdicts"]):
        for note in r["limits"]:
            print(f"limit: {note}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--halls", type=int, default=20)
    parser.add_argument(
        "--windows", type=int, default=300, help="windows over all halls, one clerk screen each"
    )
    parser.add_argument("--boards", type=int, default=2000, help="board clients, spread over the halls")
    parser.add_argument("--duration-s", type=float, default=180.0, help="the day (09:00–17:00) compressed")
    parser.add_argument(
        "--peak-per-s", type=float, default=15.0, help="tickets (and calls) per second at peak"
    )
    parser.add_argument(
        "--lag-s", type=float, default=None, help="a ticket's wait before its call (default 3 %% of the day)"
    )
    parser.add_argument(
        "--release",
        choices=["finish", "no_show"],
        default="finish",
        help="finish: start after a call, next call-next finishes it (办结并叫号); no_show: call-next only",
    )
    parser.add_argument("--worker", choices=["eventlet", "gevent"], default="eventlet", help="WUBAN_WORKER")
    parser.add_argument(
        "--no-nginx", action="store_true", help="split the clients between the servers instead"
    )
    parser.add_argument("--api-servers", type=int, default=2, help="gunicorn servers behind nginx's /")
    parser.add_argument(
        "--realtime-servers",
        type=int,
        default=0,
        help="Socket.IO servers of their own behind nginx's /socket.io/ (0: the two API servers serve it)",
    )
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--db-name", default="wuban_city_day", help="database to recreate (it is dropped)")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--connect-timeout-s", type=float, default=60.0)
    parser.add_argument("--drain-s", type=float, default=10.0, help="wait this long for late events")
    parser.add_argument("--timeout-s", type=float, default=900.0, help="overall limit of the run")
    parser.add_argument("--output", default=None, help="write the JSON here instead of bench/results/")
    args = parser.parse_args(argv)
    if args.halls < 1 or args.windows < args.halls:
        parser.error("need at least one window per hall")
    if args.lag_s is None:
        args.lag_s = max(1.0, 0.03 * args.duration_s)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 4 * (args.boards + args.windows) + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # inherited by the servers and nginx
    if shutil.which("redis-server") is None:
        print("redis-server not found (apt-get install redis-server)", file=sys.stderr)
        return 1
    nginx_binary = None if args.no_nginx else PrivateNginx.binary()

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    redis, servers, nginx, created, status = None, [], None, False, 1
    started = TICK()
    try:
        redis = PrivateRedis().start()
        print(f"database {args.db_name}: migrating and loading the demo city…", flush=True)
        database_url = recreate_database(args.postgres_url, args.db_name)
        created = True
        clients = args.boards + args.windows
        realtime = args.realtime_servers if nginx_binary else 0
        for _ in range(args.api_servers + realtime):
            server = LiveServer(
                database_url,
                worker=args.worker,
                redis_url=redis.url,
                extra_env={
                    "WORKER_CONNECTIONS": str(clients + 500),
                    "PROXY_HOPS": "1" if nginx_binary else "0",
                },
            )
            servers.append(server)
            server.start(timeout=60)
        api_servers = servers[: args.api_servers]
        socket_servers = servers[args.api_servers :] or api_servers
        pgroups = {s.process.pid: "gunicorn" for s in api_servers} | {redis.process.pid: "redis"}
        pgroups |= {s.process.pid: "realtime" for s in servers[args.api_servers :]}
        if nginx_binary:
            nginx = PrivateNginx(
                [s.port for s in api_servers],
                worker_connections=2 * clients + 1024,
                realtime_ports=[s.port for s in socket_servers],
            ).start()
            pgroups[nginx.process.pid] = "nginx"
            urls, sources, front = (
                [nginx.url],
                16,
                f"nginx {nginx.url} -> API {', '.join(s.url for s in api_servers)}"
                + (f", Socket.IO {', '.join(s.url for s in socket_servers)}" if realtime else ""),
            )
        else:
            urls, sources = [s.url for s in servers], 1
            front = "no nginx: clients split between " + ", ".join(urls)
        print(f"front: {front}; redis {redis.url}", flush=True)
        result = asyncio.run(
            asyncio.wait_for(
                run(args, urls, sources, pgroups, args.db_name),
                max(30.0, args.timeout_s - (TICK() - started)),
            )
        )
        result |= {
            "front": front,
            "nginx": bool(nginx),
            "nginx_config": nginx.site_config() if nginx else None,
            "upstream_split": dict(Counter(up for _, up, _ in nginx.upstream_of())) if nginx else None,
            "peak_per_s": args.peak_per_s,
            "duration_s": args.duration_s,
            "release": args.release,
            "worker": args.worker,
            "command": " ".join(
                [".venv/bin/python", "bench/city_day.py", *(argv if argv is not None else sys.argv[1:])]
            ),
        }
        result["verdicts"] = verdicts(result)
        result["limits"] = limits(result)
        print_report(result)
        out = (
            Path(args.output)
            if args.output
            else RESULTS_DIR / f"city_day-{time.strftime('%Y%m%d-%H%M%S')}.json"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
        print(f"written {out}")
        status = 0 if result["errors"] == 0 and result["boards"]["delivered_pct"] == 100 else 1
    except (TimeoutError, BenchAbort, KeyboardInterrupt, RuntimeError) as exc:
        print(f"aborted: {exc!r}", file=sys.stderr)
        for server in servers:
            print(f"  server log: {server.log_path}", file=sys.stderr)
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            server.stop()
        if redis:
            redis.stop()
        if created:
            drop_database(args.postgres_url, args.db_name)
    return status


if __name__ == "__main__":
    sys.exit(main())
