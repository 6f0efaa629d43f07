"""A real server for screen and multi-process tests: gunicorn started as production starts it."""

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg2
import redis
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(database_url: str) -> None:
    """Migrate a database and load the demo hall, as run.sh does."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi"}
    for args in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(
                f"flask {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            )
    if database_url.startswith("sqlite:///"):
        # Fold the write-ahead log into the file, so a copy of the file alone holds everything.
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def empty_postgres(prefix: str, postgres_url: str):
    """Create an empty PostgreSQL database beside postgres_url; yield (admin, name, url); drop it.

    Without the server the test is skipped (failed under CI=true)."""
    from tests.conftest import service_missing

    name = f"wuban_{prefix}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg2.connect(postgres_url, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        service_missing("PostgreSQL", str(exc).strip())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = f"{postgres_url.rpartition('/')[0]}/{name}"
    try:
        yield admin, name, url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@contextmanager
def throwaway_postgres(prefix: str, postgres_url: str):
    """Create a PostgreSQL database, migrated, with the demo hall; yield (admin, name, url); drop it."""
    with empty_postgres(prefix, postgres_url) as (admin, name, url):
        prepare_database(url)
        yield admin, name, url


@contextmanager
def private_redis_server():
    """Start a PrivateRedis for the test; stop it afterwards. Without redis-server installed the test is
    skipped (failed under CI=true)."""
    from tests.conftest import service_missing

    if shutil.which("redis-server") is None:
        service_missing("redis-server", "binary not found (apt-get install redis-server)")
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.stop()


def stop_group(process: subprocess.Popen | None) -> None:
    """Stop a process started in a session of its own, with its children: SIGTERM, then SIGKILL."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


class LiveServer:
    """One gunicorn process serving the app on a free port."""

    def __init__(
        self,
        database_url: str,
        *,
        worker: str = "eventlet",
        redis_url: str | None = None,
        port: int | None = None,
        extra_env: dict | None = None,
    ) -> None:
        self.database_url = database_url
        self.worker = worker
        self.redis_url = redis_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(f"/tmp/wuban-live-{self.port}.log")

    def start(self, timeout: float = 30) -> "LiveServer":
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "WUBAN_WORKER": self.worker,
            "WEB_CONCURRENCY": "1",
            "SECRET_KEY": "live-test-secret-of-at-least-32-bytes",  # production refuses a shorter key
            "RATELIMIT_ENABLED": "false",
            # No timers in the server unless a test asks (tests/realtime/test_live_without_redis.py): a
            # sweep at closing time would expire the tickets a screen test is working with.
            "SCHEDULER_IN_SERVER": "0",
            **self.extra_env,
        }
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{self.port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited early; see {self.log_path}:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer in {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def call(
        self, method: str, path: str, body: dict | None = None, token: str | None = None, timeout: float = 10
    ) -> tuple[int, object]:
        """Send one JSON request to the API; return (status, decoded body or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raw = error.read()
            return error.code, json.loads(raw) if raw else None

    def token(self, username: str = "clerk1", password: str = "demo") -> str:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
        assert status == 200, body
        return body["token"]

    def window_id(self, number: int, token: str) -> int:
        _, windows = self.call("GET", "/api/v1/halls/xiqu/windows", token=token)
        return next(window["id"] for window in windows if window["number"] == number)

    def open_case(self, token: str, **fields) -> dict:
        """Open a case (tests.conftest.case_body with these fields) as the staff member of the token."""
        from tests.conftest import case_body

        status, case = self.call("POST", "/api/v1/cases", case_body(**fields), token)
        assert status == 201, case
        return case


class PrivateRedis:
    """A redis-server of this test alone, on a free port, without persistence; stoppable and restartable."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"redis-server exited with {self.process.returncode} (port {self.port} taken?)"
                    )
                try:
                    if client.ping():
                        return self
                except redis.RedisError:
                    time.sleep(0.1)
        finally:
            client.close()
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} in {timeout}s")

    def freeze(self) -> None:
        """Stop the process (SIGSTOP): connections stay open but nothing answers, like a hung host."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # a stopped process would not act on SIGTERM
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


SITE_CONFIG = ROOT / "deploy" / "nginx-wuban.conf"


class PrivateNginx:
    """An nginx of its own (master + one worker) serving deploy/nginx-wuban.conf in front of given servers."""

    def __init__(
        self,
        upstream_ports: list[int],
        port: int | None = None,
        worker_connections: int = 1024,
        realtime_ports: list[int] | None = None,
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="wuban_nginx_"))
        self.upstream_ports = upstream_ports
        self.realtime_ports = realtime_ports or upstream_ports
        self.worker_connections = worker_connections
        self.process: subprocess.Popen | None = None

    @staticmethod
    def binary() -> str | None:
        return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)

    def site_config(self) -> str:
        """The deployed site file with this run's upstream servers and listen address."""
        site = SITE_CONFIG.read_text()
        ports = {"wuban_app": self.upstream_ports, "wuban_realtime": self.realtime_ports}

        def servers_of(block: re.Match) -> str:
            name, body = block.group(1), block.group(2)
            lines = re.findall(r"^ *server 127\.0\.0\.1:\d+ [^\n]*;$", body, flags=re.M)
            if name not in ports or not lines:
                raise RuntimeError(f"{SITE_CONFIG}: upstream {name} is not the one the tests know")
            options = lines[0].strip().split(" ", 2)[2]
            mine = "\n".join(f"    server 127.0.0.1:{port} {options}" for port in ports.pop(name))
            return f"upstream {name} {{{body.replace(chr(10).join(lines), mine)}\n}}"

        site = re.sub(r"^upstream (\w+) \{(.*?)\n\}", servers_of, site, flags=re.M | re.S)
        if ports or "listen 80;" not in site:
            raise RuntimeError(f"{SITE_CONFIG} lost an upstream ({', '.join(ports)}) or its listen line")
        return site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")

    def main_config(self) -> str:
        temp = "".join(
            f"    {kind}_temp_path {self.folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        return (
            f"worker_processes 1;\ndaemon off;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log warn;\n"
            f"events {{ worker_connections {self.worker_connections}; }}\n"
            f"http {{\n{temp}"
            "    log_format upstream '$remote_addr $upstream_addr $status';\n"
            f"    access_log {self.folder}/access.log upstream;\n"
            f"    include {self.folder}/site.conf;\n}}\n"
        )

    def start(self, timeout: float = 10) -> "PrivateNginx":
        binary = self.binary()
        if binary is None:
            raise FileNotFoundError("nginx not found (apt-get install nginx-light)")
        (self.folder / "site.conf").write_text(self.site_config())
        (self.folder / "nginx.conf").write_text(self.main_config())
        self.process = subprocess.Popen(
            [binary, "-c", str(self.folder / "nginx.conf"), "-p", str(self.folder), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.log").open("wb"),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.folder / 'stderr.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.port} in {timeout}s")

    def upstream_of(self) -> list[tuple[str, str, str]]:
        """(client address, upstream address, status) of every request so far, from the access log."""
        try:
            lines = (self.folder / "access.log").read_text().splitlines()
        except OSError:
            return []
        return [tuple(line.split(" ", 2)) for line in lines if line.count(" ") >= 2]

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)
