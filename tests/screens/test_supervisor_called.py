"""The supervisor screen lists tickets left `called` too long among its alerts (issue #13.3), in a real
browser against a real server whose threshold (TICKET_CALLED_ALERT_MIN) is a few seconds."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.live import LiveServer, prepare_database
from tests.screens.test_supervisor import TIMEOUT, sign_in

THRESHOLD_S = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = "sqlite:///" + str(tmp_path_factory.mktemp("called") / "live.sqlite3")
    prepare_database(url)
    live = LiveServer(url, extra_env={"TICKET_CALLED_ALERT_MIN": str(THRESHOLD_S / 60), "NOTIFIER": "none"})
    yield live.start()
    live.stop()


def test_a_ticket_left_called_shows_in_the_alert_list_until_it_is_started(page, server):
    clerk = server.token("clerk1")
    window = server.window_id(1, clerk)
    assert server.call("POST", f"/api/v1/windows/{window}/status", {"status": "open"}, clerk)[0] == 200
    assert server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsd"})[0] == 201
    status, called = server.call("POST", f"/api/v1/windows/{window}/call-next", token=clerk)
    assert status == 200
    sign_in(page, server)
    item = page.locator(f'#sv-alerts li[data-ticket="{called["number"]}"]')
    time.sleep(THRESHOLD_S + 0.5)
    assert server.call("POST", "/api/v1/halls/xiqu/tickets", {"queue": "shsw"})[0] == 201  # an event: re-read
    expect(item).to_contain_text("叫号未办理", timeout=TIMEOUT)
    expect(item).to_contain_text(f"{called['number']} · 1号窗口")
    expect(item).to_contain_text("已叫号")
    expect(item).to_have_class(re.compile(r"\bis-(yellow|red)\b"))  # red past twice the threshold
    expect(page.locator("#sv-alerts-empty")).to_be_hidden()
    assert server.call("POST", f"/api/v1/tickets/{called['id']}/start", token=clerk)[0] == 200
    expect(item).to_have_count(0, timeout=TIMEOUT)
