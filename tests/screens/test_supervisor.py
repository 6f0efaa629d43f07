"""The supervisor screen (监督中心) in a real browser, against a real server with a Redis message queue.

The scheduler runs as operators run it, `flask scheduler run --once` in a process of its own on the
server's database, so its alert crosses processes through Redis before it reaches the screen.
CASE_YELLOW_WORKDAYS=30 (for the server and the scheduler alike) makes a case accepted today yellow
at once, so the test needs no clock but the real one.
"""

import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.live import ROOT, LiveServer, prepare_database, private_redis_server
from tests.screens.helpers import accepted_case

TIMEOUT = 8000  # ms: an event crosses two processes and Redis; all local
SETTINGS = {"CASE_YELLOW_WORKDAYS": "30", "NOTIFIER": "none"}


@pytest.fixture(scope="module")
def redis_server():
    with private_redis_server() as server:
        yield server


@pytest.fixture(scope="module")
def watched_server(tmp_path_factory, redis_server):
    """A server on its own SQLite file, publishing and receiving events through the private Redis."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("supervisor") / "live.sqlite3")
    prepare_database(url)
    server = LiveServer(url, redis_url=redis_server.url, extra_env=SETTINGS).start()
    yield server
    server.stop()


def run_scheduler_once(server: LiveServer, redis_url: str) -> str:
    """Run one sweep of the scheduler in its own process, on the server's database and Redis."""
    env = {
        **os.environ,
        **SETTINGS,
        "DATABASE_URL": server.database_url,
        "REDIS_URL": redis_url,
        "FLASK_APP": "wsgi",
    }
    done = subprocess.run(
        [sys.executable, "-m", "flask", "scheduler", "run", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def sign_in(page, server, username="supervisor1"):
    page.goto(f"{server.url}/supervisor/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/supervisor/")
    expect(page.locator("#sv-conn")).to_have_text("● 实时连接", timeout=TIMEOUT)


def test_the_screen_shows_the_hall_and_follows_it_live(page, watched_server):
    """Does the supervisor see the hall's queues, windows and figures, and do they follow a ticket and a
    call?"""
    clerk = watched_server.token("clerk1")
    sign_in(page, watched_server)
    expect(page.locator("#sv-hall-name")).to_have_text("中山市西区行政服务中心")
    expect(page.locator('#sv-windows tr[data-window="1"]')).to_contain_text("关闭", timeout=TIMEOUT)
    before = int(page.locator("#k-issued").inner_text())

    window = watched_server.window_id(1, clerk)
    assert (
        watched_server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, clerk)[0] == 200
    )
    status, ticket = watched_server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})
    assert status == 201
    expect(page.locator("#k-issued")).to_have_text(str(before + 1), timeout=TIMEOUT)
    status, called = watched_server.call("POST", f"/api/v1/windows/{window}/call-next", token=clerk)
    assert status == 200
    row = page.locator('#sv-windows tr[data-window="1"]')
    expect(row).to_contain_text("开放", timeout=TIMEOUT)
    expect(row).to_contain_text("陈嘉欣")
    expect(row).to_contain_text(f"{called['number']} 已叫号", timeout=TIMEOUT)
    for chart in ("c-hours", "c-waits", "c-modes", "c-ontime", "c-ratings"):
        assert page.locator(f"#{chart}").bounding_box()["height"] > 50, chart


def test_a_scheduler_alert_appears_without_reload(page, watched_server, redis_server):
    """When the scheduler, in its own process, finds a case turned yellow, does the alert reach the open
    screen at once (no reload), with its department and approver, and the case join the yellow list?"""
    clerk, approver = watched_server.token("clerk1"), watched_server.token("approver_scjg")
    case_no = accepted_case(watched_server, clerk)["case_no"]
    status, _ = watched_server.call(
        "POST", f"/api/v1/cases/{case_no}/transitions", {"trigger": "claim"}, approver
    )
    assert status == 200
    sign_in(page, watched_server)
    page.evaluate("window.__same_page = true")
    expect(page.locator(f'#sv-alerts li[data-case-no="{case_no}"]')).to_have_count(0)

    output = run_scheduler_once(watched_server, redis_server.url)
    assert "'sweep_case_lights': " in output and "'sweep_case_lights': 0" not in output

    alert = page.locator(f'#sv-alerts li[data-case-no="{case_no}"]')
    expect(alert).to_have_count(1, timeout=TIMEOUT)
    expect(alert).to_have_attribute("data-light", "yellow")
    expect(alert).to_have_class("sv-alert is-yellow is-new")
    expect(alert).to_contain_text("黄灯预警")
    expect(alert).to_contain_text("食品经营许可（新办）")
    expect(alert).to_contain_text("市场监督管理局")
    expect(alert).to_contain_text("刘伟明")
    expect(page.locator("#sv-toast")).to_be_visible()
    expect(page.locator("#sv-toast-text")).to_contain_text(case_no)
    expect(page.locator(f'#sv-cases tr[data-case-no="{case_no}"]')).to_have_attribute(
        "data-light", "yellow", timeout=TIMEOUT
    )
    assert page.evaluate("window.__same_page") is True  # the page was never reloaded

    assert "'sweep_case_lights': 0" in run_scheduler_once(watched_server, redis_server.url)  # nothing new


def test_only_supervisors_may_open_the_screen(page, watched_server):
    """Does a clerk who signs in on the way to the supervisor screen get 403?"""
    page.goto(f"{watched_server.url}/supervisor/")
    page.fill("input[name=username]", "clerk1")
    page.fill("input[name=password]", "demo")
    with page.expect_response(lambda r: r.url.endswith("/supervisor/")) as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 403
