"""Appointments (预约): a queue's slots of a day, booking, looking up and cancelling a booking."""

from flask import current_app, request

from queue_server.appointments import appointment_view, book, cancel, day_slots, find_appointment, needs_opening, normalize_code, open_day
from queue_server.db import begin_write
from queue_server.extensions import db, limiter
from queue_server.halls import get_hall, queue_in_body
from queue_server.models import Queue
from queue_server.schemas import AppointmentPhoneQuery, AppointmentRequest, SlotQuery, parse_body, parse_query
from queue_server.api import bp


@bp.get("/halls/<hall_code>/slots")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def list_slots(hall_code: str):
    hall = get_hall(hall_code)
    query = parse_query(SlotQuery)
    queue = queue_in_body(hall, query.queue)
    if needs_opening(queue, query.day):
        # The day's slots are created on first sight: end this read and take the write lock (SQLite) first.
        queue_id = queue.id
        db.session.rollback()
        begin_write()
        queue = db.session.get(Queue, queue_id)
        open_day(queue, query.day)
        db.session.commit()
    return day_slots(queue, query.day)


@bp.post("/appointments")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@limiter.limit(lambda: current_app.config["RATELIMIT_APPOINTMENTS"])
def create_appointment():
    req = parse_body(AppointmentRequest)
    appointment = book(req)
    answer = appointment_view(appointment)
    db.session.commit()
    return answer, 201


def _wrong_guess(response) -> bool:
    return response.status_code == 404


def _guess_key() -> str:
    return f"{request.remote_addr}:{normalize_code((request.view_args or {}).get('code', ''))}"


# Wrong phone numbers (or codes) count against the client and code, on lookups and cancels alike.
_guesses = limiter.shared_limit(lambda: current_app.config["RATELIMIT_APPOINTMENT_GUESSES"], scope="appointment_guesses",
                                key_func=_guess_key, deduct_when=_wrong_guess)


@bp.get("/appointments/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@_guesses
def show_appointment(code: str):
    query = parse_query(AppointmentPhoneQuery)
    return appointment_view(find_appointment(code, query.phone))


@bp.delete("/appointments/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@_guesses
def cancel_appointment(code: str):
    query = parse_query(AppointmentPhoneQuery)
    appointment = cancel(find_appointment(code, query.phone, for_update=True))
    answer = appointment_view(appointment)
    db.session.commit()
    return answer
