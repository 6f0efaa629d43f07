"""The scheduler's jobs on a controllable clock: time-limit alerts, closing time, the turn-near SMS.

Cases are 食品经营许可（新办）(SCJG-006, 5 working days promised), accepted on Monday 2026-11-30:
the deadline is Monday 12-07, so the light is green until Thursday, yellow on Friday 12-04 (one
working day left) and red from Tuesday 12-08.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from queue_server import scheduler
from queue_server.calendar import clock
from queue_server.extensions import db, socketio
from queue_server.queue.models import Hall, HallHours, Ticket
from queue_server.supervision.models import CaseAlert

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)  # one working day left: yellow
NEXT_TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=TZ)  # past the deadline: red


@pytest.fixture
def hall_events(app, client, api):
    """A supervisor's Socket.IO subscription to hall xiqu; call it to take the events of one name received so
    far."""
    connection = socketio.test_client(app, flask_test_client=client, auth={"token": api.token("supervisor1")})
    connection.emit("subscribe", {"hall": "xiqu"}, callback=True)
    connection.get_received()

    received: list[dict] = []

    def take(name: str) -> list[dict]:
        received.extend(connection.get_received())
        taken = [item["args"][0] for item in received if item["name"] == name]
        received[:] = [item for item in received if item["name"] != name]
        return taken

    yield take
    connection.disconnect()


def accepted_case(api) -> str:
    case = api.open_case()
    api.fire(case["case_no"], "accept", as_user="clerk1")
    return case["case_no"]


def at(moment: datetime | None, job, app):
    """Run one scheduler job as its own process would: its own app context, the clock at `moment` (None: as it
    is)."""
    clock.freeze(moment or clock.frozen_at())
    with app.app_context():
        return job(clock.now())


def light_of(api, case_no: str) -> str:
    return api.get(f"/cases/{case_no}", as_user="admin").get_json()["light"]


# --- time-limit alerts ---


def test_one_alert_per_change_of_light(app, api, hall_events):
    """As a case goes green → yellow → red, is each change alerted once, and repeated sweeps say nothing?"""
    case_no = accepted_case(api)
    hall_events("case_alert")

    assert at(None, scheduler.sweep_case_lights, app) == []
    assert hall_events("case_alert") == []

    assert [a.light for a in at(FRIDAY, scheduler.sweep_case_lights, app)] == ["yellow"]
    assert light_of(api, case_no) == "yellow"
    assert at(FRIDAY, scheduler.sweep_case_lights, app) == []
    [yellow] = hall_events("case_alert")
    assert yellow == {
        "id": yellow["id"],
        "hall": "xiqu",
        "case_no": case_no,
        "service_name": "食品经营许可（新办）",
        "department": "scjg",
        "department_name": yellow["department_name"],
        "assignee": None,
        "light": "yellow",
        "previous_light": "green",
        "deadline": "2026-12-07",
        "remaining_workdays": 1,
        "at": "2026-12-04T10:00:00+08:00",
    }

    assert [a.light for a in at(NEXT_TUESDAY, scheduler.sweep_case_lights, app)] == ["red"]
    for _ in range(3):
        assert at(NEXT_TUESDAY, scheduler.sweep_case_lights, app) == []
    [red] = hall_events("case_alert")
    assert (red["light"], red["previous_light"], red["remaining_workdays"]) == ("red", "yellow", -1)

    alerts = api.get("/halls/xiqu/alerts", as_user="supervisor1").get_json()
    assert [(a["case_no"], a["light"]) for a in alerts] == [(case_no, "red"), (case_no, "yellow")]


def test_a_case_found_red_is_alerted_once_and_a_decided_case_never(app, api, hall_events):
    """Does a scheduler that first looks after the deadline alert red at once, and leave decided cases
    alone?"""
    late = accepted_case(api)
    decided = accepted_case(api)
    api.fire(decided, "claim", as_user="approver_scjg")
    api.fire(decided, "approve", as_user="approver_scjg", note="符合条件，准予许可")

    raised = at(NEXT_TUESDAY, scheduler.sweep_case_lights, app)
    assert [(a.case.case_no, a.light, a.previous_light) for a in raised] == [(late, "red", "green")]
    assert [event["case_no"] for event in hall_events("case_alert")] == [late]


def test_a_paused_case_going_back_to_green_alerts_again_when_it_turns_yellow(app, api, hall_events):
    """When a pause moves the deadline and the light goes back to green, is the next yellow a new alert?"""
    case_no = accepted_case(api)
    api.fire(case_no, "claim", as_user="approver_scjg")
    assert len(at(FRIDAY, scheduler.sweep_case_lights, app)) == 1  # yellow

    clock.freeze(FRIDAY)
    api.fire(case_no, "suspend", as_user="approver_scjg", data={"kind": "inspection"})
    clock.freeze(datetime(2026, 12, 11, 10, 0, tzinfo=TZ))
    api.fire(case_no, "resume", as_user="approver_scjg")
    # Paused Friday 12-04 to Friday 12-11: none of those days counts, so the deadline moved to 12-15.
    assert light_of(api, case_no) == "green"
    assert at(None, scheduler.sweep_case_lights, app) == []  # back to green: recorded, not raised
    later = datetime(2026, 12, 14, 10, 0, tzinfo=TZ)  # deadline now Tuesday 12-15
    clock.freeze(later)
    assert light_of(api, case_no) == "yellow"
    assert [a.light for a in at(later, scheduler.sweep_case_lights, app)] == ["yellow"]
    assert [event["light"] for event in hall_events("case_alert")] == ["yellow", "yellow"]
    with app.app_context():
        changes = db.session.scalars(db.select(CaseAlert).order_by(CaseAlert.seq)).all()
        assert [(c.seq, c.previous_light, c.light) for c in changes] == [
            (1, "green", "yellow"),
            (2, "yellow", "green"),
            (3, "green", "yellow"),
        ]


def test_two_schedulers_at_once_raise_each_alert_once(app, api, hall_events):
    """Two schedulers sweeping at the same instant (each its own session): is every change alerted exactly
    once?"""
    cases = {accepted_case(api) for _ in range(6)}
    hall_events("case_alert")

    for moment, light in ((FRIDAY, "yellow"), (NEXT_TUESDAY, "red")):
        clock.freeze(moment)
        start = threading.Barrier(2)

        def sweep(_, start=start):
            with app.app_context():
                start.wait()
                return [alert.case_id for alert in scheduler.sweep_case_lights(clock.now())]

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(sweep, range(2))
        assert len(first) + len(second) == len(cases)
        assert not set(first) & set(second)
        events = hall_events("case_alert")
        assert sorted(event["case_no"] for event in events) == sorted(cases)
        assert {event["light"] for event in events} == {light}

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseAlert)) == 2 * len(cases)


# --- closing time ---


@pytest.fixture
def issuing_hours(app):
    """Give hall xiqu issuing hours (08:30, last ticket 17:00, closing 17:30 every day) for one test."""

    def set_hours(hall_code="xiqu"):
        with app.app_context():
            hall = db.session.scalar(db.select(Hall).where(Hall.code == hall_code))
            hall.opening_hours = [
                HallHours(weekday=day, open="08:30", last_ticket="17:00", close="17:30")
                for day in range(1, 8)
            ]
            db.session.commit()

    yield set_hours
    with app.app_context():
        db.session.execute(db.delete(HallHours))
        db.session.commit()


def test_closing_time_expires_waiting_and_called_tickets(app, api, hall_events, issuing_hours):
    """At closing time, do waiting and called tickets expire with a history row (no actor), and serving ones
    stay?"""
    issuing_hours()
    serving, called, waiting = (api.take("shsd") for _ in range(3))
    window, other_window = api.open_window(1), api.open_window(2)  # a window holds one ticket at a time
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    api.post(f"/tickets/{serving['id']}/start", as_user="clerk1")
    api.post(f"/windows/{other_window}/call-next", as_user="clerk1")
    hall_events("ticket_updated"), hall_events("queue_updated")

    assert at(datetime(2026, 11, 30, 17, 29, tzinfo=TZ), scheduler.expire_open_tickets, app) == 0
    assert at(datetime(2026, 11, 30, 17, 30, tzinfo=TZ), scheduler.expire_open_tickets, app) == 2
    assert at(datetime(2026, 11, 30, 17, 31, tzinfo=TZ), scheduler.expire_open_tickets, app) == 0

    states = {t["id"]: api.get(f"/tickets/{t['id']}").get_json()["state"] for t in (serving, called, waiting)}
    assert states == {serving["id"]: "serving", called["id"]: "expired", waiting["id"]: "expired"}
    history = api.get(f"/tickets/{called['id']}/history", as_user="clerk1").get_json()
    assert history[-1] == {
        "trigger": "expire",
        "from": "called",
        "to": "expired",
        "actor": None,
        "at": "2026-11-30T17:30:00+08:00",
    }
    assert api.get(f"/tickets/{waiting['id']}/history", as_user="clerk1").get_json()[-1]["from"] == "waiting"
    assert sorted(e["id"] for e in hall_events("ticket_updated") if e["state"] == "expired") == sorted(
        [called["id"], waiting["id"]]
    )
    assert hall_events("queue_updated")[-1]["waiting"] == 0


def test_a_hall_open_around_the_clock_keeps_todays_tickets_until_midnight(app, api):
    """The demo hall has no issuing hours: is a ticket taken in the evening still waiting at 23:59, and
    expired once the day is over?"""
    ticket = api.take("shsd")
    assert at(datetime(2026, 11, 30, 20, 0, tzinfo=TZ), scheduler.expire_open_tickets, app) == 0
    assert at(datetime(2026, 11, 30, 23, 59, tzinfo=TZ), scheduler.expire_open_tickets, app) == 0
    assert api.get(f"/tickets/{ticket['id']}").get_json()["state"] == "waiting"
    assert at(datetime(2026, 12, 1, 0, 0, tzinfo=TZ), scheduler.expire_open_tickets, app) == 1


def test_tickets_left_open_overnight_expire_the_next_morning(app, api):
    """If no scheduler ran at closing time, do yesterday's open tickets expire the next morning?"""
    ticket = api.take("shsw")
    assert at(datetime(2026, 12, 1, 8, 0, tzinfo=TZ), scheduler.expire_open_tickets, app) == 1
    assert api.get(f"/tickets/{ticket['id']}").get_json()["state"] == "expired"


def test_closing_time_comes_from_the_hall_hours_or_the_setting(app):
    """Does a hall close at the last time its opening hours name, else at HALL_CLOSING_TIME?"""
    with app.app_context():
        from queue_server.queue.models import Hall

        assert (
            str(scheduler.closing_time(Hall(hours="周一至周五 上午8:30-12:00 下午14:30-17:30"))) == "17:30:00"
        )
        assert str(scheduler.closing_time(Hall(hours="工作日 9:00—18:00"))) == "18:00:00"
        app.config["HALL_CLOSING_TIME"] = "16:45"
        assert str(scheduler.closing_time(Hall(hours=""))) == "16:45:00"


# --- the turn-near notice ---


def test_the_third_place_gets_the_notice_once(app, api, sms):
    """Does the ticket with a phone that reaches the third place get one SMS, however often the scheduler
    sweeps?"""
    ahead = [api.take("shsd") for _ in range(2)]
    third = api.take("shsd", phone="13800138001")
    fourth = api.take("shsd", phone="13800138002")
    api.take("shsw")  # another queue's line is its own

    assert at(None, scheduler.notify_turn_near, app) == 1
    assert at(None, scheduler.notify_turn_near, app) == 0
    [message] = sms()
    assert message["phone"] == "13800138001" and message["kind"] == "turn_near"
    assert f"{third['number']}号" in message["text"] and "前面还有2人" in message["text"]

    window = api.open_window(1)
    assert api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()["id"] == ahead[0]["id"]
    assert at(None, scheduler.notify_turn_near, app) == 1  # the fourth is third now
    assert at(None, scheduler.notify_turn_near, app) == 0
    assert [(m["phone"], fourth["number"] in m["text"]) for m in sms()] == [
        ("13800138001", False),
        ("13800138002", True),
    ]


def test_two_schedulers_send_the_notice_once(app, api, sms):
    """Two schedulers at the same instant: does each ticket near its turn get exactly one SMS?"""
    phones = [f"1380013810{n}" for n in range(3)]
    for phone in phones:
        api.take("shsd", phone=phone)
        api.take("shsw", phone=phone)
    start = threading.Barrier(2)

    def sweep(_):
        with app.app_context():
            start.wait()
            return scheduler.notify_turn_near(clock.now())

    with ThreadPoolExecutor(2) as pool:
        assert sum(pool.map(sweep, range(2))) == 6
    assert sorted(m["phone"] for m in sms()) == sorted(phones * 2)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).where(Ticket.near_notified_at.is_not(None))) == 6


def test_a_requeued_ticket_is_told_again(app, api, sms, advance):
    """A ticket that missed its call and went to the back of the line: is it told again when it comes near?"""
    ticket = api.take("shsd", phone="13800138001")
    assert at(None, scheduler.notify_turn_near, app) == 1
    window = api.open_window(1)
    api.post(f"/windows/{window}/call-next", as_user="clerk1")
    api.post(f"/tickets/{ticket['id']}/no_show", as_user="clerk1")
    advance(5)
    api.post(f"/tickets/{ticket['id']}/requeue", as_user="clerk1")
    assert at(None, scheduler.notify_turn_near, app) == 1
    assert len(sms()) == 2


# --- the whole sweep and the command ---


def test_scheduler_run_once(app, api, sms):
    """Does `flask scheduler run --once` run every job and say what each did?"""
    api.take("shsd", phone="13800138001")
    result = app.test_cli_runner().invoke(args=["scheduler", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "'sweep_case_lights': 0" in result.output and "'notify_turn_near': 1" in result.output
    for (
        job
    ) in scheduler.appointment_jobs():  # the booking jobs, once queue_server/citizen/appointments.py has them
        assert f"'{job.__name__}'" in result.output
    assert len(sms()) == 1


def test_a_failing_job_does_not_stop_the_others(app, api, sms, monkeypatch):
    """When one job fails, do the others of the sweep still run?"""
    api.take("shsd", phone="13800138001")

    def broken(now):
        raise RuntimeError("boom")

    broken.__name__ = "sweep_case_lights"
    monkeypatch.setattr(scheduler, "sweep_case_lights", broken)
    with app.app_context():
        results = scheduler.sweep(clock.now())
    assert results["sweep_case_lights"] == "failed" and results["notify_turn_near"] == 1


def test_leader_lock_keeps_a_second_scheduler_idle(app, redis_url):
    """With Redis, does only one scheduler lead, and another take over once it lets go?"""
    app.config["REDIS_URL"] = redis_url
    with app.app_context():
        first, second = scheduler.LeaderLock(ttl_s=30), scheduler.LeaderLock(ttl_s=30)
        assert first.acquire() and first.acquire()
        assert not second.acquire()
        first.release()
        assert second.acquire() and not first.acquire()
        second.release()
