"""Booking pages (网上预约): choose a queue, a day and a slot, get a booking code; look up or cancel it.

The page reads the hall, its queues and the bookable days here; slots, bookings and cancellations go
through the public, rate-limited API (docs/appointments.md).
"""

from flask import current_app, url_for

from portal import bp
from queue_server.citizen.appointments import bookable_days
from queue_server.queue.halls import get_hall
from queue_server.screens import uncached_page

CODE_PLACEHOLDER = "__code__"
WEEKDAYS = "一二三四五六日"


@bp.get("/book/<hall_code>")
def book(hall_code: str):
    """The booking page of a hall, with the lookup and cancel of a booking beside it."""
    hall = get_hall(hall_code)
    page_config = {
        "hall": hall.code,
        "hall_name": hall.name,
        "tz": current_app.config["TZ_NAME"],
        "queues": [{"code": q.code, "name": q.name, "description": q.description} for q in hall.queues],
        "days": [
            {
                "date": day.isoformat(),
                "label": f"{day.month}月{day.day}日",
                "weekday": f"周{WEEKDAYS[day.weekday()]}",
            }
            for day in bookable_days()
        ],
        "checkin_early_min": current_app.config["APPOINTMENT_CHECKIN_EARLY_MIN"],
        "urls": {
            "slots": url_for("api.citizen.list_slots", hall_code=hall.code),
            "appointments": url_for("api.citizen.create_appointment"),
            # 代理办: the items this hall accepts, for 申请代办 · 上门办理 (those allowing it).
            "services": url_for("api.citizen.list_hall_services", hall_code=hall.code),
            # The booking's address with a placeholder for its code (the lookup form fills it in).
            "appointment": url_for("api.citizen.show_appointment", code=CODE_PLACEHOLDER),
        },
        "placeholder": CODE_PLACEHOLDER,
    }
    return uncached_page("portal/book.html", hall=hall, page_config=page_config)
