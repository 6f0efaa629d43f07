"""Appointments (预约): slots, booking, cancelling, check-in at the kiosk, no-shows and reminders.

The hall clock is frozen at Monday 2026-11-30 09:00; Tuesday 2026-12-01 is the usual booking day.
"""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from queue_server.calendar import clock
from queue_server.calendar.models import CalendarOverride
from queue_server.citizen.appointments import mark_missed_appointments, open_day, send_booking_reminders
from queue_server.extensions import db
from queue_server.queue.models import Queue
from queue_server.realtime import events
from tests.api.test_openapi import _check
from tests.conftest import Api, _make_app, assert_error

TZ = ZoneInfo("Asia/Shanghai")
TUESDAY = "2026-12-01"
PHONE = "13800138000"
OTHER_PHONE = "13900139000"
CODE_RE = re.compile(r"^[2-9A-HJ-NP-Z]{8}$")


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00").replace(tzinfo=TZ)


def slots(api, day: str = TUESDAY, queue: str = "shsd") -> list[dict]:
    answer = api.get(f"/halls/xiqu/slots?date={day}&queue={queue}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def slot_at(api, hhmm: str, day: str = TUESDAY, queue: str = "shsd") -> dict:
    return next(slot for slot in slots(api, day, queue) if slot["start"] == f"{day}T{hhmm}:00+08:00")


def book(api, slot: dict, phone: str = PHONE, queue: str = "shsd", name: str = "张三"):
    return api.post(
        "/appointments",
        json={"hall": "xiqu", "queue": queue, "slot_id": slot["id"], "name": name, "phone": phone},
    )


def booked(api, slot: dict, phone: str = PHONE, queue: str = "shsd") -> dict:
    answer = book(api, slot, phone, queue)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def phone(n: int) -> str:
    return f"1370000{n:04d}"


# --- Slots ---------------------------------------------------------------------------------------


def test_slots_of_a_working_day_follow_the_opening_hours(api):
    """Does a working day have 30-minute slots 08:30–12:00 and 14:30–17:30, 4 places each?"""
    day = slots(api)
    starts = [slot["start"][11:16] for slot in day]
    assert starts == [
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
        "17:00",
    ]
    assert day[0]["end"] == "2026-12-01T09:00:00+08:00" and day[-1]["end"] == "2026-12-01T17:30:00+08:00"
    assert {(s["capacity"], s["booked"], s["available"], s["bookable"]) for s in day} == {(4, 0, 4, True)}


def test_no_slots_on_days_off_or_outside_the_booking_range(app, api):
    """Weekends, holidays, past days and days beyond APPOINTMENT_DAYS_AHEAD have no slots; a make-up day
    has."""
    with app.app_context():
        db.session.add(CalendarOverride(day=date(2026, 12, 2), working=False, name="测试假日"))
        db.session.add(CalendarOverride(day=date(2026, 12, 6), working=True, name="测试调休上班"))
        db.session.commit()
    assert slots(api, "2026-12-05") == []  # Saturday
    assert slots(api, "2026-12-02") == []  # a holiday on a Wednesday
    assert len(slots(api, "2026-12-06")) == 13  # a Sunday worked (调休)
    assert slots(api, "2026-11-27") == []  # last Friday
    assert len(slots(api, "2026-12-07")) == 13  # today + 7 days
    assert slots(api, "2026-12-08") == []  # today + 8 days


def test_today_only_later_slots_are_bookable(api):
    """At 09:00 on Monday, are the 08:30 and 09:00 slots shown but not bookable, and booking them 409?"""
    today = slots(api, "2026-11-30")
    assert [s["bookable"] for s in today[:3]] == [False, False, True]
    assert_error(book(api, today[1]), 409, "conflict")
    assert slot_at(api, "09:00", "2026-11-30")["booked"] == 0


def test_a_day_is_opened_once(app, api):
    """Do repeated lookups (and the opening function) keep the same slots?"""
    first = slots(api)
    assert slots(api) == first
    with app.app_context():
        queue = db.session.scalar(db.select(Queue).where(Queue.code == "shsd"))
        assert open_day(queue, date(2026, 12, 1)) == 0
        assert open_day(queue, date(2026, 12, 3)) == 13
        assert open_day(queue, date(2026, 12, 3)) == 0
        db.session.commit()


def test_capacity_per_queue_is_configurable(app, api):
    """Does APPOINTMENT_CAPACITY_BY_QUEUE give one queue its own number of places?"""
    app.config.update(APPOINTMENT_CAPACITY=3, APPOINTMENT_CAPACITY_BY_QUEUE="shsd=6")
    assert {s["capacity"] for s in slots(api, queue="shsd")} == {6}
    assert {s["capacity"] for s in slots(api, queue="shsw")} == {3}


# --- Booking and cancelling ----------------------------------------------------------------------


def test_booking_answers_the_code_and_takes_a_place(api, sms):
    """Does a booking answer 201 with a code, the slot and state, count the place and send the SMS?"""
    slot = slot_at(api, "10:00")
    booking = booked(api, slot)
    assert CODE_RE.match(booking["code"])
    assert booking | {"code": None} == booking | {
        "code": None,
        "hall": "xiqu",
        "queue": "shsd",
        "start": "2026-12-01T10:00:00+08:00",
        "end": "2026-12-01T10:30:00+08:00",
        "state": "booked",
        "name": "张*",
        "phone": "138****8000",
        "checkin_from": "2026-12-01T09:30:00+08:00",
        "checkin_until": "2026-12-01T10:30:00+08:00",
        "ticket_id": None,
    }
    assert slot_at(api, "10:00")["booked"] == 1
    [message] = sms()
    assert message["kind"] == "booking_confirmed" and message["phone"] == PHONE
    assert booking["code"] in message["text"] and "2026年12月1日 10:00" in message["text"]
    # The citizen looks the booking up with code and phone; the code may be typed in small letters.
    answer = api.get(f"/appointments/{booking['code'].lower()}?phone={PHONE}")
    assert answer.status_code == 200 and answer.get_json() == booking


def test_a_full_slot_answers_409(api):
    """With all 4 places taken, is the fifth booking 409 conflict, and the slot still at 4?"""
    slot = slot_at(api, "10:00")
    for n in range(4):
        booked(api, slot, phone(n))
    details = assert_error(book(api, slot, phone(9)), 409, "conflict")
    assert details["slot_id"] == slot["id"]
    assert slot_at(api, "10:00") | {"bookable": None} == slot | {
        "booked": 4,
        "available": 0,
        "bookable": None,
    }


def test_cancelling_frees_the_place(api, sms):
    """Does cancelling with the right phone answer the cancelled booking and let someone else book?"""
    slot = slot_at(api, "10:00")
    bookings = [booked(api, slot, phone(n)) for n in range(4)]
    code = bookings[0]["code"]
    answer = api.client.delete(f"/api/v1/appointments/{code}?phone={phone(0)}")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "cancelled" and answer.get_json()["code"] == code
    assert slot_at(api, "10:00")["booked"] == 3
    booked(api, slot, phone(9))
    assert slot_at(api, "10:00")["booked"] == 4
    assert [m["kind"] for m in sms()][-2:] == ["booking_cancelled", "booking_confirmed"]
    # Cancelling twice does not free a second place.
    assert_error(api.client.delete(f"/api/v1/appointments/{code}?phone={phone(0)}"), 409, "conflict")
    assert slot_at(api, "10:00")["booked"] == 4


def test_wrong_phone_or_code_is_404(api):
    """Is a wrong phone answered like an unknown code (404), leaving the booking as it was?"""
    booking = booked(api, slot_at(api, "10:00"))
    code = booking["code"]
    assert_error(api.client.delete(f"/api/v1/appointments/{code}?phone={OTHER_PHONE}"), 404, "not_found")
    assert_error(api.client.delete(f"/api/v1/appointments/ABCDEFGH?phone={PHONE}"), 404, "not_found")
    assert_error(api.get(f"/appointments/{code}?phone={OTHER_PHONE}"), 404, "not_found")
    assert api.get(f"/appointments/{code}?phone={PHONE}").get_json()["state"] == "booked"
    assert slot_at(api, "10:00")["booked"] == 1
    fields = assert_error(api.client.delete(f"/api/v1/appointments/{code}"), 400, "invalid_request")["fields"]
    assert set(fields) == {"phone"}


def test_one_active_booking_per_phone_queue_and_day(api):
    """May a phone hold only one booking per queue and day, and book again after cancelling?"""
    first = booked(api, slot_at(api, "10:00"))
    assert_error(book(api, slot_at(api, "15:00")), 409, "conflict")
    booked(api, slot_at(api, "15:00", queue="shsw"), queue="shsw")  # another queue, same day
    booked(api, slot_at(api, "15:00", day="2026-12-03"))  # same queue, another day
    assert api.client.delete(f"/api/v1/appointments/{first['code']}?phone={PHONE}").status_code == 200
    booked(api, slot_at(api, "15:00"))


def test_a_started_slot_cannot_be_cancelled(api, advance):
    """Once the slot has begun, is cancelling 409 (the booking then counts as kept or missed)?"""
    booking = booked(api, slot_at(api, "09:30", "2026-11-30"))
    advance(31)
    assert_error(api.client.delete(f"/api/v1/appointments/{booking['code']}?phone={PHONE}"), 409, "conflict")


# --- Check-in at the kiosk -----------------------------------------------------------------------


def check_in(api, code: str):
    return api.post("/halls/xiqu/tickets", json={"appointment_code": code})


def test_check_in_window_and_the_priority_ticket(api):
    """Is check-in refused before 09:30 and at 10:30 for a 10:00 slot, and in between a priority ticket called
    first?"""
    early = booked(api, slot_at(api, "10:00", "2026-11-30"))
    late = booked(api, slot_at(api, "10:00", "2026-11-30"), OTHER_PHONE)
    normal = api.take("shsd")

    clock.freeze(at("2026-11-30", "09:29"))
    details = assert_error(check_in(api, early["code"]), 409, "conflict")
    assert details["checkin_from"] == "2026-11-30T09:30:00+08:00"
    assert api.get(f"/appointments/{early['code']}?phone={PHONE}").get_json()["state"] == "booked"

    clock.freeze(at("2026-11-30", "09:30"))
    answer = check_in(api, early["code"].lower())
    assert answer.status_code == 201, answer.get_json()
    ticket = answer.get_json()
    assert (ticket["queue"], ticket["priority"], ticket["priority_reason"]) == ("shsd", "priority", "预约")
    after = api.get(f"/appointments/{early['code']}?phone={PHONE}").get_json()
    assert (after["state"], after["ticket_id"]) == ("checked_in", ticket["id"])
    assert_error(check_in(api, early["code"]), 409, "conflict")  # one ticket per booking

    window = api.open_window(1)
    called = api.post(f"/windows/{window}/call-next", as_user="clerk1").get_json()
    assert called["id"] == ticket["id"] and called["id"] != normal["id"]

    clock.freeze(at("2026-11-30", "10:30"))
    assert_error(check_in(api, late["code"]), 409, "conflict")


def test_check_in_names_a_bad_code(api, other_hall):
    """Is an unknown code, or one booked at another hall, 400 naming appointment_code?"""
    booking = booked(api, slot_at(api, "09:30", "2026-11-30"))
    fields = assert_error(check_in(api, "ABCDEFGH"), 400, "invalid_request")["fields"]
    assert set(fields) == {"appointment_code"}
    answer = api.post(f"/halls/{other_hall}/tickets", json={"appointment_code": booking["code"]})
    assert set(assert_error(answer, 400, "invalid_request")["fields"]) == {"appointment_code"}


def test_cancelled_booking_cannot_check_in(api):
    booking = booked(api, slot_at(api, "09:30", "2026-11-30"))
    api.client.delete(f"/api/v1/appointments/{booking['code']}?phone={PHONE}")
    assert_error(check_in(api, booking["code"]), 409, "conflict")


# --- No-shows ------------------------------------------------------------------------------------


def test_three_misses_in_30_days_bar_booking(app, api):
    """After three bookings not checked in within 30 days, is the phone refused (403) for 30 days?"""
    days = ["2026-12-01", "2026-12-02", "2026-12-03"]
    codes = [booked(api, slot_at(api, "10:00", day))["code"] for day in days]
    clock.freeze(at("2026-12-03", "12:00"))
    with app.app_context():
        assert mark_missed_appointments(clock.now()) == 3
        db.session.commit()
    assert {api.get(f"/appointments/{c}?phone={PHONE}").get_json()["state"] for c in codes} == {"missed"}
    slot = slot_at(api, "10:00", "2026-12-04")
    details = assert_error(book(api, slot), 403, "forbidden")
    assert details["barred_until"] == "2027-01-02T10:30:00+08:00"  # 30 days after the third miss
    booked(api, slot, OTHER_PHONE)  # others still book

    clock.freeze(at("2027-01-04", "09:00"))
    booked(api, slot_at(api, "10:00", "2027-01-05"))


def test_misses_are_found_when_the_phone_books(api):
    """Without any sweep, are past bookings not checked in counted when the phone books again?"""
    for day in ["2026-12-01", "2026-12-02"]:
        booked(api, slot_at(api, "10:00", day))
    clock.freeze(at("2026-12-03", "09:00"))
    booked(api, slot_at(api, "10:00", "2026-12-03"))  # two misses: still allowed
    clock.freeze(at("2026-12-03", "11:00"))
    assert_error(book(api, slot_at(api, "10:00", "2026-12-04")), 403, "forbidden")


def test_misses_spread_over_more_than_30_days_do_not_bar(api):
    booked(api, slot_at(api, "10:00", "2026-12-01"))
    clock.freeze(at("2026-12-20", "09:00"))
    booked(api, slot_at(api, "10:00", "2026-12-21"))
    clock.freeze(at("2027-01-04", "09:00"))
    booked(api, slot_at(api, "10:00", "2027-01-05"))
    clock.freeze(at("2027-01-06", "09:00"))  # three misses, but the first and third 35 days apart
    booked(api, slot_at(api, "10:00", "2027-01-07"))


# --- Reminders -----------------------------------------------------------------------------------


def test_reminder_goes_once_a_day_before(app, api, sms):
    """Is booking_reminder sent once, 24 hours before the slot, and not for a booking made within that
    time?"""
    ahead = booked(api, slot_at(api, "10:00"))  # booked 25 hours ahead
    booked(api, slot_at(api, "16:00", "2026-11-30"), OTHER_PHONE)  # booked the same day

    def remind(hhmm: str) -> int:
        with app.app_context():
            count = send_booking_reminders(at("2026-11-30", hhmm))
            db.session.commit()
            events.send_committed()
        return count

    assert remind("09:30") == 0
    assert remind("10:00") == 1
    assert remind("10:30") == 0
    reminders = [m for m in sms() if m["kind"] == "booking_reminder"]
    assert [(m["phone"], ahead["code"] in m["text"]) for m in reminders] == [(PHONE, True)]


# --- Bad input, limits and the spec --------------------------------------------------------------


def test_bad_input_is_400_with_fields(api):
    """Are bad bodies and queries answered 400 naming each bad field, and an unknown hall in the path 404?"""
    fields = assert_error(api.post("/appointments", json={}), 400, "invalid_request")["fields"]
    assert set(fields) == {"hall", "queue", "slot_id", "name", "phone"}
    slot = slot_at(api, "10:00")
    bad = {"hall": "xiqu", "queue": "shsd", "slot_id": slot["id"], "name": " ", "phone": "12345"}
    assert set(assert_error(api.post("/appointments", json=bad), 400, "invalid_request")["fields"]) == {
        "name",
        "phone",
    }
    for field, value in [
        ("hall", "nowhere"),
        ("queue", "nope"),
        ("slot_id", 999999),
        ("slot_id", slot_at(api, "10:00", queue="shsw")["id"]),
    ]:
        body = {**bad, "name": "张三", "phone": PHONE, field: value}
        assert set(assert_error(api.post("/appointments", json=body), 400, "invalid_request")["fields"]) == {
            field
        }
    assert set(assert_error(api.get("/halls/xiqu/slots?queue=shsd"), 400, "invalid_request")["fields"]) == {
        "date"
    }
    assert set(
        assert_error(api.get("/halls/xiqu/slots?date=12/01&queue=shsd"), 400, "invalid_request")["fields"]
    ) == {"date"}
    assert set(
        assert_error(api.get(f"/halls/xiqu/slots?date={TUESDAY}&queue=x"), 400, "invalid_request")["fields"]
    ) == {"queue"}
    assert_error(api.get(f"/halls/nowhere/slots?date={TUESDAY}&queue=shsd"), 404, "not_found")
    # The ticket endpoint takes a queue or a booking code, not both, not neither.
    tickets = "/halls/xiqu/tickets"
    assert "queue" in assert_error(api.post(tickets, json={}), 400, "invalid_request")["fields"]
    both = {"queue": "shsd", "appointment_code": "ABCDEFGH"}
    assert "queue" in assert_error(api.post(tickets, json=both), 400, "invalid_request")["fields"]
    assert set(
        assert_error(api.post(tickets, json={"appointment_code": "0O1I0O1I"}), 400, "invalid_request")[
            "fields"
        ]
    ) == {"appointment_code"}
    with_priority = {"appointment_code": "ABCDEFGH", "priority": "priority", "priority_reason": "老年人"}
    assert "priority" in assert_error(api.post(tickets, json=with_priority), 400, "invalid_request")["fields"]
    assert slot_at(api, "10:00")["booked"] == 0


def test_rate_limits(database_url, app):
    """Is a client over its booking limit, or guessing phones for a code, answered 429?"""
    limited = _make_app(
        database_url,
        {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_APPOINTMENTS": "2/minute",
            "RATELIMIT_APPOINTMENT_GUESSES": "2/hour",
        },
    )
    api = Api(limited.test_client())
    slot = slot_at(api, "10:00")
    first = booked(api, slot, phone(1))
    booked(api, slot, phone(2))
    assert_error(book(api, slot, phone(3)), 429, "rate_limited")
    assert slot_at(api, "10:00")["booked"] == 2

    for _ in range(2):
        assert_error(
            api.client.delete(f"/api/v1/appointments/{first['code']}?phone={OTHER_PHONE}"), 404, "not_found"
        )
    assert_error(
        api.client.delete(f"/api/v1/appointments/{first['code']}?phone={phone(1)}"), 429, "rate_limited"
    )
    assert_error(api.get(f"/appointments/{first['code']}?phone={phone(1)}"), 429, "rate_limited")


def test_answers_match_the_spec(client, api):
    """Do the appointment endpoints' answers, good and bad, validate against the OpenAPI spec?"""
    spec = client.get("/api/v1/openapi.json").get_json()
    _check(
        spec,
        "get",
        "/api/v1/halls/{hall_code}/slots",
        api.get(f"/halls/xiqu/slots?date={TUESDAY}&queue=shsd"),
    )
    _check(spec, "get", "/api/v1/halls/{hall_code}/slots", api.get("/halls/xiqu/slots?queue=shsd"))
    slot = slot_at(api, "09:30", "2026-11-30")
    answer = book(api, slot)
    _check(spec, "post", "/api/v1/appointments", answer)
    _check(spec, "post", "/api/v1/appointments", book(api, slot))
    code = answer.get_json()["code"]
    _check(spec, "get", "/api/v1/appointments/{code}", api.get(f"/appointments/{code}?phone={PHONE}"))
    _check(spec, "get", "/api/v1/appointments/{code}", api.get(f"/appointments/{code}?phone={OTHER_PHONE}"))
    _check(spec, "post", "/api/v1/halls/{hall_code}/tickets", check_in(api, code))
    _check(spec, "post", "/api/v1/halls/{hall_code}/tickets", check_in(api, code))
    _check(
        spec,
        "delete",
        "/api/v1/appointments/{code}",
        api.client.delete(f"/api/v1/appointments/{code}?phone={PHONE}"),
    )
    other = booked(api, slot_at(api, "10:00"))
    _check(
        spec,
        "delete",
        "/api/v1/appointments/{code}",
        api.client.delete(f"/api/v1/appointments/{other['code']}?phone={PHONE}"),
    )
    parameters = spec["paths"]["/api/v1/appointments/{code}"]["delete"]["parameters"]
    assert {p["name"] for p in parameters} == {"code", "phone"}


def test_open_command_creates_the_bookable_days_once(app, api):
    """Does `flask appointments open` create every queue's slots for the 6 bookable days, and nothing the
    second time?"""
    with app.app_context():
        queues = db.session.query(Queue).count()  # every hall of the demo city
    runner = app.test_cli_runner()
    first = runner.invoke(args=["appointments", "open"])
    assert first.exit_code == 0 and f"已生成 {queues * 6 * 13} 个预约时段" in first.output  # 6 days, 13 slots
    again = runner.invoke(args=["appointments", "open"])
    assert again.exit_code == 0 and "已生成 0 个预约时段" in again.output
    assert len(slots(api, "2026-12-07")) == 13
