"""./run.sh starts and stops quietly: no warning, error or traceback on its error stream.

The hall is started as a user starts it (run.sh, without REDIS_URL: the timers run in the server, here
every second), used by screens whose websockets open and close, and stopped with Ctrl-C (SIGINT to the
terminal's process group) or SIGTERM. Only the installation steps are skipped (SKIP_INSTALL=1).
"""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import socketio

from tests.live import ROOT, free_port

NOISE = re.compile(r"warn|error|traceback|exception|errno|deprecat", re.IGNORECASE)


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "run.sh exited early"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise AssertionError(f"run.sh did not serve {url} in {timeout}s")


def wait_until_gone(group: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise AssertionError(f"processes of run.sh still running {timeout}s after the stop")


def screen(url: str, transports: list[str] | None) -> socketio.Client:
    client = socketio.Client(reconnection=False)
    client.connect(url, transports=transports, wait_timeout=10)
    client.call("subscribe", {"hall": "xiqu"}, timeout=10)
    return client


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_run_sh_starts_and_stops_quietly(tmp_path, stop_signal):
    """Does run.sh start, serve screens and stop with nothing on stderr that looks like a problem?"""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SKIP_INSTALL": "1",
        "PORT": str(port),
        "SCHEDULER_INTERVAL_S": "1",
        "DATABASE_URL": "sqlite:///" + str(tmp_path / "hall.sqlite3"),
        "NOTIFY_LOG_PATH": str(tmp_path / "notifications.log"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    for name in ("REDIS_URL", "WEB_CONCURRENCY", "WUBAN_WORKER", "LOG_LEVEL", "SCHEDULER_IN_SERVER"):
        env.pop(name, None)
    stderr_path = tmp_path / "stderr.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            ["bash", str(ROOT / "run.sh")],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        wait_until_up(url, process)
        for transports in (["websocket"], ["polling"], None):  # screens that come and go
            screen(url, transports).disconnect()
        with urllib.request.urlopen(url + "/board/xiqu", timeout=10) as page:
            assert page.status == 200
        time.sleep(2.5)  # a sweep or two of the timers
        still_open = screen(url, ["websocket"]) if stop_signal == signal.SIGINT else None
        os.killpg(process.pid, stop_signal)
        assert process.wait(30) in (0, -stop_signal, 128 + stop_signal)
        wait_until_gone(process.pid)  # bash may go first on SIGTERM; gunicorn still logs its stop
        if still_open:
            still_open.disconnect()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        try:
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group after a failure
        except ProcessLookupError:
            pass

    text = stderr_path.read_text(encoding="utf-8")
    assert "Booting worker" in text and "Shutting down: Master" in text, text
    problems = [line for line in text.splitlines() if NOISE.search(line)]
    assert problems == [], text
    # Every line is whole: nothing written without its newline before the next entry.
    glued = re.compile(r"\S\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # a timestamp after text on one line
    assert not [line for line in text.splitlines() if glued.search(line)], text
