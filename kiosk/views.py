"""Kiosk pages: take a number, show and print the ticket, follow it live."""

from flask import render_template

from queue_server.halls import get_hall

from . import bp


@bp.get("/kiosk/<hall_code>")
def kiosk(hall_code: str):
    hall = get_hall(hall_code)
    return render_template("kiosk/kiosk.html", hall=hall)
