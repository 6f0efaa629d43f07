"""Appointments (预约): slots from the hall's opening hours, bookings that never overbook, check-in at the
kiosk.

Operations flush but never commit. A slot's places are taken by one conditional UPDATE
(``booked = booked + 1 WHERE booked < capacity``): on PostgreSQL a second booking waits for the
first one's row lock and then sees the new count; on SQLite the API's BEGIN IMMEDIATE serializes
writers. A CHECK constraint on the table is the last guard. See docs/appointments.md.
"""

import re
import secrets
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from queue_server.calendar import clock
from queue_server.calendar.workdays import hall_calendar
from queue_server.citizen.models import Appointment, AppointmentSlot
from queue_server.citizen.schemas import AppointmentRequest
from queue_server.errors import Conflict, Forbidden, InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.notify import sms as notify
from queue_server.queue.halls import queue_in_body
from queue_server.queue.models import Hall, Queue, Ticket
from queue_server.queue.schemas import TicketRequest
from queue_server.queue.tickets import issue_ticket

# Booking codes: no 0/O or 1/I, so a code read aloud or typed from an SMS cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
PRIORITY_REASON = "预约"
STATE_NAMES = {"booked": "已预约", "checked_in": "已签到", "cancelled": "已取消", "missed": "未按时签到"}


def _setting(name: str):
    return current_app.config[name]


# --- Slots -----------------------------------------------------------------------------------------


def opening_periods() -> list[tuple[time, time]]:
    """Read APPOINTMENT_HOURS ("08:30-12:00,14:30-17:30") as (from, to) pairs."""
    periods = []
    for part in str(_setting("APPOINTMENT_HOURS")).split(","):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", part)
        if not match:
            raise ValueError(f"APPOINTMENT_HOURS: cannot read {part!r} (expected e.g. 08:30-12:00)")
        h1, m1, h2, m2 = map(int, match.groups())
        periods.append((time(h1, m1), time(h2, m2)))
    return periods


def slot_times(day: date) -> list[tuple[datetime, datetime]]:
    """List the (start, end) of a day's slots: whole slots within the opening hours, in hall time."""
    tz, step = clock.hall_tz(), timedelta(minutes=_setting("APPOINTMENT_SLOT_MINUTES"))
    times = []
    for opens, closes in opening_periods():
        start, limit = datetime.combine(day, opens, tz), datetime.combine(day, closes, tz)
        while start + step <= limit:
            times.append((start, start + step))
            start += step
    return times


def capacity_of(queue: Queue) -> int:
    """Return the places per slot of a queue: APPOINTMENT_CAPACITY_BY_QUEUE, else APPOINTMENT_CAPACITY."""
    for pair in str(_setting("APPOINTMENT_CAPACITY_BY_QUEUE") or "").split(","):
        code, _, places = pair.partition("=")
        if code.strip() == queue.code and places.strip().isdigit():
            return int(places)
    return int(_setting("APPOINTMENT_CAPACITY"))


def bookable_days(now: datetime | None = None) -> list[date]:
    """List the days open for booking: working days from today to APPOINTMENT_DAYS_AHEAD days ahead.

    Today counts while one of its slots has yet to start.
    """
    now = now or clock.now()
    today, calendar = now.date(), hall_calendar()
    days = [today + timedelta(days=n) for n in range(_setting("APPOINTMENT_DAYS_AHEAD") + 1)]
    days = [day for day in days if calendar.is_working(day)]
    if days and days[0] == today and not any(start > now for start, _ in slot_times(today)):
        days.pop(0)
    return days


def needs_opening(queue: Queue, day: date, now: datetime | None = None) -> bool:
    """Tell whether a bookable day of the queue has no slots yet (so a write must create them)."""
    if day not in bookable_days(now):
        return False
    return (
        db.session.scalar(
            select(AppointmentSlot.id)
            .where(AppointmentSlot.queue_id == queue.id, AppointmentSlot.day == day)
            .limit(1)
        )
        is None
    )


def open_day(queue: Queue, day: date) -> int:
    """Create the queue's slots of a day; slots already there stay as they are. Return how many were added."""
    rows = [
        {
            "hall_id": queue.hall_id,
            "queue_id": queue.id,
            "day": day,
            "starts_at": start,
            "ends_at": end,
            "capacity": capacity_of(queue),
            "booked": 0,
        }
        for start, end in slot_times(day)
    ]
    if not rows:
        return 0
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(AppointmentSlot)
        .values(rows)
        .on_conflict_do_nothing(
            index_elements=[AppointmentSlot.queue_id, AppointmentSlot.day, AppointmentSlot.starts_at]
        )
    )
    return db.session.execute(stmt).rowcount


def open_bookable_days(now: datetime | None = None) -> int:
    """Create the slots of every queue of every hall for all bookable days (the CLI and the scheduler)."""
    days = bookable_days(now)
    return sum(open_day(queue, day) for queue in db.session.scalars(select(Queue)) for day in days)


def day_slots(queue: Queue, day: date) -> list[AppointmentSlot]:
    """List a queue's slots of a day, earliest first."""
    return list(
        db.session.scalars(
            select(AppointmentSlot)
            .where(AppointmentSlot.queue_id == queue.id, AppointmentSlot.day == day)
            .order_by(AppointmentSlot.starts_at)
        )
    )


def booking_context(day: date, now: datetime | None = None) -> dict:
    """Tell the slot answers (citizen/answers.py: SlotOut) when it is and whether their day is bookable."""
    now = now or clock.now()
    return {"now": now, "open_for_booking": day in bookable_days(now)}


# --- Bookings --------------------------------------------------------------------------------------


def book(req: AppointmentRequest) -> Appointment:
    """Book a place in a slot for a citizen; 409 when the slot is full, 403 while the phone is barred."""
    hall = db.session.scalar(select(Hall).where(Hall.code == req.hall))
    if hall is None:
        raise InvalidRequest({"hall": f"服务大厅不存在：{req.hall}"})
    queue = queue_in_body(hall, req.queue)
    slot = db.session.get(AppointmentSlot, req.slot_id)
    if slot is None or slot.queue_id != queue.id:
        raise InvalidRequest({"slot_id": "该时段不存在，或不属于所选业务"})
    at = clock.now()
    if slot.starts_at <= at or slot.day not in bookable_days(at):
        raise Conflict("该时段已不能预约，请选择其他时段", {"slot_id": slot.id})

    mark_missed_appointments(at, phone=req.phone)
    until = barred_until(req.phone, at)
    if until is not None:
        raise Forbidden(
            f"您在{_setting('APPOINTMENT_MISS_WINDOW_DAYS')}天内有{_setting('APPOINTMENT_MISS_LIMIT')}次预约未按时签到，"
            f"{_hall_day(until)}前暂不能在线预约，可到大厅现场取号办理",
            {"barred_until": clock.to_hall_iso(until)},
        )
    if _active_booking(req.phone, queue, slot.day) is not None:
        raise _duplicate()

    taken = db.session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot.id, AppointmentSlot.booked < AppointmentSlot.capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise Conflict("该时段已约满，请选择其他时段", {"slot_id": slot.id})
    db.session.expire(slot, ["booked"])

    lead = timedelta(hours=_setting("APPOINTMENT_REMINDER_LEAD_H"))
    appointment = Appointment(
        code=_new_code(),
        hall=hall,
        queue=queue,
        slot=slot,
        day=slot.day,
        name=req.name,
        phone=req.phone,
        state="booked",
        created_at=at,
        # Booked within the reminder's lead time: the confirmation is the reminder.
        reminded_at=at if slot.starts_at - at <= lead else None,
    )
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError:  # the same phone booked the same queue and day in a request running at once
        raise _duplicate() from None
    _tell(appointment, "booking_confirmed")
    return appointment


def _duplicate() -> Conflict:
    return Conflict("您已预约当天的该项业务，如需改约请先取消原预约", {"phone": "duplicate"})


def _active_booking(phone: str, queue: Queue, day: date) -> Appointment | None:
    return db.session.scalar(
        select(Appointment).where(
            Appointment.phone == phone,
            Appointment.queue_id == queue.id,
            Appointment.day == day,
            Appointment.state == "booked",
        )
    )


def _new_code() -> str:
    """Draw a booking code no appointment has (the unique constraint guards the rest)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Appointment.id).where(Appointment.code == code)) is None:
            return code


def normalize_code(code: str) -> str:
    """Write a typed code as stored: capitals, without spaces or dashes."""
    return re.sub(r"[\s-]", "", code or "").upper()


def find_appointment(code: str, phone: str, for_update: bool = False) -> Appointment:
    """Return the appointment with this code booked with this phone; 404 alike for a wrong code or phone."""
    stmt = select(Appointment).where(Appointment.code == normalize_code(code))
    if for_update:
        stmt = stmt.with_for_update()
    appointment = db.session.scalar(stmt)
    if appointment is None or appointment.phone != phone:
        raise NotFound("预约码或手机号不正确", {"code": code})
    return appointment


def cancel(appointment: Appointment) -> Appointment:
    """Cancel a booking before its slot starts and free its place."""
    at = clock.now()
    if appointment.state != "booked":
        raise Conflict(f"该预约{STATE_NAMES[appointment.state]}，不能取消", {"state": appointment.state})
    if appointment.slot.starts_at <= at:
        raise Conflict("预约时段已开始，不能取消", {"state": appointment.state})
    appointment.state, appointment.cancelled_at = "cancelled", at
    db.session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == appointment.slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(appointment.slot, ["booked"])
    db.session.flush()
    _tell(appointment, "booking_cancelled")
    return appointment


def _tell(appointment: Appointment, template: str) -> None:
    """Text the booker about their appointment: its code, hall, queue and start."""
    notify.notify(
        appointment.phone,
        template,
        code=appointment.code,
        hall_name=appointment.hall.name,
        queue_name=appointment.queue.name,
        start=appointment.slot.starts_at,
    )


def checkin_window(slot: AppointmentSlot) -> tuple[datetime, datetime]:
    """Return when check-in opens and when it closes (it is open before the close, not at it)."""
    early = timedelta(minutes=_setting("APPOINTMENT_CHECKIN_EARLY_MIN"))
    late = timedelta(minutes=_setting("APPOINTMENT_CHECKIN_LATE_MIN"))
    return slot.starts_at - early, slot.ends_at + late


def check_in(hall: Hall, code: str, service: str | None = None) -> Ticket:
    """Check a booking in at the hall's kiosk and issue its priority ticket (reason 预约) in its queue."""
    appointment = db.session.scalar(
        select(Appointment).where(Appointment.code == normalize_code(code)).with_for_update()
    )
    if appointment is None:
        raise InvalidRequest({"appointment_code": "预约码不存在，请核对短信中的预约码"})
    if appointment.hall_id != hall.id:
        raise InvalidRequest({"appointment_code": f"该预约不在本大厅，请到{appointment.hall.name}签到"})
    if appointment.state != "booked":
        raise Conflict(f"该预约{STATE_NAMES[appointment.state]}，不能签到", {"state": appointment.state})
    at = clock.now()
    opens, closes = checkin_window(appointment.slot)
    window = {"checkin_from": clock.to_hall_iso(opens), "checkin_until": clock.to_hall_iso(closes)}
    if at < opens:
        raise Conflict(f"还未到签到时间，请于{_hall_time(opens)}后签到", window)
    if at >= closes:
        raise Conflict("已过预约签到时间，请现场取号办理", window)
    ticket = issue_ticket(
        hall,
        TicketRequest(
            queue=appointment.queue.code,
            priority="priority",
            priority_reason=PRIORITY_REASON,
            service=service,
            phone=appointment.phone,
        ),
    )
    appointment.state, appointment.checked_in_at, appointment.ticket_id = "checked_in", at, ticket.id
    db.session.flush()
    return ticket


# --- No-shows and reminders (the scheduler calls these; see docs/appointments.md) --------------------


def mark_missed_appointments(now: datetime, phone: str | None = None) -> int:
    """Mark bookings not checked in by the close of their check-in as missed; return how many."""
    cutoff = now - timedelta(minutes=_setting("APPOINTMENT_CHECKIN_LATE_MIN"))
    ended = select(AppointmentSlot.id).where(AppointmentSlot.ends_at <= cutoff)
    stmt = update(Appointment).where(Appointment.state == "booked", Appointment.slot_id.in_(ended))
    if phone is not None:
        stmt = stmt.where(Appointment.phone == phone)
    stmt = stmt.values(state="missed", missed_at=now).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


def barred_until(phone: str, now: datetime) -> datetime | None:
    """Return until when a phone may not book: APPOINTMENT_BAN_DAYS after its MISS_LIMIT-th miss within
    APPOINTMENT_MISS_WINDOW_DAYS; None when it may book."""
    limit = max(int(_setting("APPOINTMENT_MISS_LIMIT")), 1)
    window = timedelta(days=_setting("APPOINTMENT_MISS_WINDOW_DAYS"))
    ban = timedelta(days=_setting("APPOINTMENT_BAN_DAYS"))
    # A miss counts at its slot's end; older misses than window + ban cannot bar anyone any more.
    misses = db.session.scalars(
        select(AppointmentSlot.ends_at)
        .join(Appointment, Appointment.slot_id == AppointmentSlot.id)
        .where(
            Appointment.phone == phone,
            Appointment.state == "missed",
            AppointmentSlot.ends_at > now - window - ban,
        )
        .order_by(AppointmentSlot.ends_at)
    ).all()
    until = None
    for index in range(limit - 1, len(misses)):
        if misses[index] - misses[index - limit + 1] <= window:
            until = misses[index] + ban
    return until if until is not None and until > now else None


def send_booking_reminders(now: datetime) -> int:
    """Send booking_reminder once to each booking whose slot starts within APPOINTMENT_REMINDER_LEAD_H
    hours."""
    lead = timedelta(hours=_setting("APPOINTMENT_REMINDER_LEAD_H"))
    due = db.session.scalars(
        select(Appointment)
        .join(Appointment.slot)
        .where(
            Appointment.state == "booked",
            Appointment.reminded_at.is_(None),
            AppointmentSlot.starts_at > now,
            AppointmentSlot.starts_at <= now + lead,
        )
        .order_by(AppointmentSlot.starts_at)
        .with_for_update(of=Appointment, skip_locked=True)
    ).all()
    for appointment in due:
        appointment.reminded_at = now
        _tell(appointment, "booking_reminder")
    db.session.flush()
    return len(due)


def _hall_day(at: datetime) -> str:
    local = at.astimezone(clock.hall_tz())
    return f"{local.year}年{local.month}月{local.day}日"


def _hall_time(at: datetime) -> str:
    return at.astimezone(clock.hall_tz()).strftime("%H:%M")
