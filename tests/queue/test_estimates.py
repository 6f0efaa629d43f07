"""Wait estimates from the live service rate, and the Erlang C staffing what-if."""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_server.extensions import db
from queue_server.queue.estimates import erlang_c, mean_wait_s, wait_within, windows_needed
from queue_server.queue.models import Hall, Queue, Ticket
from tests.conftest import HALL_MORNING, assert_error


def erlang_c_by_the_textbook(servers: int, load: float) -> float:
    """Erlang C by its closed form, to check the recursion against."""
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


# --- Erlang C ---


@pytest.mark.parametrize(
    "servers, load, expected",
    [
        (1, 0.5, 0.5),  # M/M/1: an arrival waits with probability ρ
        (2, 1.0, 1 / 3),  # M/M/2 at ρ = 0.5
        (3, 2.0, 4 / 9),
    ],
)
def test_erlang_c_known_values(servers, load, expected):
    assert erlang_c(servers, load) == pytest.approx(expected)


@pytest.mark.parametrize("servers, load", [(11, 10.0), (14, 10.0), (30, 25.5), (120, 100.0)])
def test_erlang_c_matches_the_closed_form(servers, load):
    assert erlang_c(servers, load) == pytest.approx(erlang_c_by_the_textbook(servers, load))


def test_erlang_c_at_and_above_capacity():
    """With no more windows than the load, everyone waits and the wait has no bound."""
    assert erlang_c(3, 3.0) == 1.0 and wait_within(3, 3 / 600, 600, 900) == 0.0
    assert mean_wait_s(3, 3 / 600, 600) is None
    assert erlang_c(2, 0) == 0.0 and windows_needed(0, 600, 900, 0.9) == 0


def test_mm1_wait_distribution_and_mean():
    """M/M/1 with λ = 1/20 s, μ = 1/10 s: P(W ≤ t) = 1 − ρ e^{−(μ−λ)t}, E[W] = ρ / (μ − λ) = 10 s."""
    assert wait_within(1, 1 / 20, 10, 30) == pytest.approx(1 - 0.5 * math.exp(-(1 / 10 - 1 / 20) * 30))
    assert mean_wait_s(1, 1 / 20, 10) == pytest.approx(10)


def test_windows_needed_is_the_fewest_that_meet_the_target():
    """The textbook call-centre case: 10 erlangs, 180 s handling, 80 % answered within 20 s: 14 agents.

    Published tables give 79.6 % within 20 s with 13 agents and 88.8 % with 14.
    """
    rate, service = 10 / 180, 180
    assert wait_within(13, rate, service, 20) == pytest.approx(0.796, abs=1e-3)
    assert wait_within(14, rate, service, 20) == pytest.approx(0.888, abs=1e-3)
    assert windows_needed(rate, service, 20, 0.8) == 14


# --- est_wait_s follows the service rate ---


def _queue_wait(api, code: str = "shsd") -> int:
    return next(q["est_wait_s"] for q in api.get("/halls/xiqu/queues").get_json() if q["code"] == code)


def _serve(api, window_id: int, minutes: float, advance, clerk: str = "clerk1") -> None:
    ticket = api.post(f"/windows/{window_id}/call-next", as_user=clerk).get_json()
    api.post(f"/tickets/{ticket['id']}/start", as_user=clerk)
    advance(minutes)
    assert api.post(f"/tickets/{ticket['id']}/finish", as_user=clerk).get_json()["state"] == "done"


def test_estimate_follows_the_service_rate(api, advance):
    """Does est_wait_s follow the open window's own pace as it changes, then a second window opening?"""
    window_1 = api.open_window(1)
    for _ in range(2):
        api.take()
        _serve(api, window_1, 5, advance)  # 300 s each
    waiting = [api.take() for _ in range(3)]
    assert _queue_wait(api) == 3 * 300
    assert api.get(f"/tickets/{waiting[2]['id']}").get_json()["est_wait_s"] == 2 * 300

    for _ in range(2):
        api.take()
        _serve(api, window_1, 15, advance)  # the clerk slows down: 900 s each, mean of the four 600 s
    assert _queue_wait(api) == 3 * 600

    api.open_window(2, as_user="clerk2")  # no service of its own yet: the queue's typical 600 s
    assert _queue_wait(api) == 3 * 300  # two windows at 1/600 s each


def test_estimate_uses_the_last_services_only(app, api, advance):
    """With ESTIMATE_RECENT_SERVICES = 2, only the last two services count."""
    app.config["ESTIMATE_RECENT_SERVICES"] = 2
    try:
        window_1 = api.open_window(1)
        for minutes in (5, 20, 20):
            api.take()
            _serve(api, window_1, minutes, advance)
        api.take()
        assert _queue_wait(api) == 1200
    finally:
        app.config["ESTIMATE_RECENT_SERVICES"] = 10


def test_a_window_of_three_queues_lends_each_a_third(api):
    """Window 13 serves 商事登记, 社会事务 and 人社医保: alone, it serves each at a third of its pace."""
    api.open_window(13)
    api.take()
    assert _queue_wait(api) == 3 * 600  # 商事登记's typical 600 s, a third of the window


def test_estimate_before_any_window_opens(api):
    """With every window closed, the queue's windows are assumed at the typical pace (4 windows, 600 s)."""
    for _ in range(2):
        api.take()
    assert _queue_wait(api) == round(2 * 600 / 4)


# --- the staffing what-if ---


def _history(app, per_hour: dict[int, int], service_s: int, days: int) -> None:
    """Write past days of 商事登记 tickets: per_hour[h] issued in hour h, each served in service_s."""
    tz = ZoneInfo("Asia/Shanghai")
    with app.app_context():
        hall = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu"))
        queue = db.session.scalar(db.select(Queue).where(Queue.hall_id == hall.id, Queue.code == "shsd"))
        seq = 0
        for back in range(1, days + 1):
            day = (HALL_MORNING - timedelta(days=back)).date()
            for hour, count in per_hour.items():
                for n in range(count):
                    seq += 1
                    issued = datetime(day.year, day.month, day.day, hour, n * 60 // count, tzinfo=tz)
                    started = issued + timedelta(minutes=1)
                    db.session.add(
                        Ticket(
                            hall=hall,
                            queue=queue,
                            origin_queue_id=queue.id,
                            service_date=day,
                            number=f"A{seq:03d}",
                            state="done",
                            lane=1,
                            issued_at=issued,
                            queued_at=issued,
                            called_at=started,
                            started_at=started,
                            finished_at=started + timedelta(seconds=service_s),
                            recalls=0,
                        )
                    )
        db.session.commit()


def test_staffing_by_hour(app, api):
    """From 3 past days of 6 arrivals at 9 and 18 at 10, 600 s each: 2 windows at 9, 5 at 10 (p90 ≤ 15
    min)."""
    _history(app, {9: 6, 10: 18}, 600, days=3)
    answer = api.get("/halls/xiqu/queues/shsd/staffing?days=7", as_user="supervisor1")
    assert answer.status_code == 200, answer.get_json()
    plan = answer.get_json()
    assert plan["open_days"] == 3 and plan["target_s"] == 900 and plan["percentile"] == 0.9
    assert plan["from"] == "2026-11-23" and plan["to"] == "2026-11-29"
    nine, ten = plan["hours"]
    assert (nine["hour"], nine["arrivals_per_hour"], nine["mean_service_s"], nine["load"]) == (9, 6, 600, 1.0)
    # 1 erlang: 1 window never catches up; 2 windows: 1 − C(2,1)·e^{−(2/600 − 1/600)·900} = 1 − e^{−1.5}/3 ≈
    # 0.926
    assert nine["windows_needed"] == 2 and nine["p_within_target"] == pytest.approx(
        1 - math.exp(-1.5) / 3, abs=1e-3
    )
    # 3 erlangs: 4 windows give 1 − C(4,3)·e^{−1.5} ≈ 0.886 < 0.9; 5 give 1 − C(5,3)·e^{−3} ≈ 0.988
    assert 1 - erlang_c_by_the_textbook(4, 3) * math.exp(-1.5) < 0.9
    assert ten["load"] == 3.0 and ten["windows_needed"] == 5

    strict = api.get(
        "/halls/xiqu/queues/shsd/staffing?days=7&target_s=60&percentile=0.99", as_user="supervisor1"
    )
    assert strict.get_json()["hours"][1]["windows_needed"] > 5


def test_staffing_input_and_permissions(api):
    assert (
        "target_s"
        in assert_error(
            api.get("/halls/xiqu/queues/shsd/staffing?target_s=0", as_user="supervisor1"),
            400,
            "invalid_request",
        )["fields"]
    )
    assert (
        "percentile"
        in assert_error(
            api.get("/halls/xiqu/queues/shsd/staffing?percentile=1.5", as_user="supervisor1"),
            400,
            "invalid_request",
        )["fields"]
    )
    assert_error(api.get("/halls/xiqu/queues/nope/staffing", as_user="supervisor1"), 404, "not_found")
    assert_error(api.get("/halls/xiqu/queues/shsd/staffing", as_user="clerk1"), 403, "forbidden")
    empty = api.get("/halls/xiqu/queues/shsd/staffing", as_user="supervisor1").get_json()
    assert empty["hours"] == [] and empty["open_days"] == 0
