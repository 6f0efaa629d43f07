"""Kiosk pages: take a number, show and print the ticket, follow it live."""

import logging
from html import escape

from flask import Response, current_app, render_template, request, url_for

from evaluator.views import BAD_REASONS
from kiosk import bp
from kiosk.printing import PrinterSpecError, open_printer, print_ticket, ticket_lines
from queue_server.accounts.capabilities import is_ticket_rating_token, ticket_rating_token
from queue_server.citizen.appointments import CODE_ALPHABET
from queue_server.errors import NotFound
from queue_server.extensions import db, limiter
from queue_server.queue.answers import TicketOut
from queue_server.queue.halls import get_hall
from queue_server.queue.models import Hall, Ticket
from queue_server.queue.tickets import ticket_by_id
from queue_server.web import public_url

log = logging.getLogger(__name__)

# The reasons a kiosk offers for the green channel (绿色通道).
PRIORITY_REASONS = ["老年人", "残疾人", "军人", "孕妇", "其他"]

# 服务评价: quick comments offered after a grade (tapped ones are sent as the comment); after a 1 or 2
# the evaluator's reasons, so figures read the same whichever screen the citizen rated on.
GOOD_COMMENTS = ["服务热情周到", "办事高效快捷", "指引清楚", "一次办成"]


def _setting(name: str, default=None):
    """Read a kiosk setting (see queue_server.config)."""
    return current_app.config.get(name) or default


def printer_spec() -> str | None:
    """Return KIOSK_PRINTER (see kiosk.printing), or None when the kiosk has no printer."""
    return _setting("KIOSK_PRINTER")


def status_url(ticket_id: int) -> str:
    """Return the absolute address of a ticket's status page, as its QR code carries it (with the
    ticket's rating token, so whoever holds the ticket can rate it there)."""
    return public_url("kiosk.ticket_status", ticket_id=ticket_id, k=ticket_rating_token(ticket_id))


def _holder_or_404(ticket_id: int) -> Ticket:
    """Return the ticket when the request carries its rating token (``k``); 404 otherwise, as for none.

    The QR code and the printable ticket hold the token: only the kiosk that issued the ticket (it had
    the token in the issuing answer) may show or print them.
    """
    ticket = ticket_by_id(ticket_id)
    if not is_ticket_rating_token(ticket.id, request.args.get("k")):
        raise NotFound(f"号票不存在：{ticket_id}", {"ticket": ticket_id})
    return ticket


def _ticket_answer(ticket: Ticket) -> dict:
    """Render a ticket as the contract's ticket object (GET /tickets/{id} answers the same)."""
    return TicketOut.model_validate(ticket).model_dump(mode="json")


def _json_error(status: int, code: str, message: str, details: dict | None = None):
    """Answer the contract's error body as JSON, whatever the caller accepts (the kiosk's fetch)."""
    return {"error": {"code": code, "message": message, "details": details or {}}}, status


@bp.get("/kiosk/<hall_code>")
def kiosk(hall_code: str):
    hall = get_hall(hall_code)
    page_config = {
        "hall": hall.code,
        "hall_name": hall.name,
        # 代理办: a station's kiosk (and any hall's whose items allow it) offers 申请代办 · 上门办理.
        "hall_level": getattr(hall, "level", None),
        "tz": current_app.config["TZ_NAME"],
        "printer": bool(printer_spec()),
        "priority_reasons": PRIORITY_REASONS,
        "return_after_s": 15,
        # 预约签到: the characters a booking code is made of, for the on-screen keypad.
        "code_keys": list(CODE_ALPHABET),
        "checkin_early_min": current_app.config["APPOINTMENT_CHECKIN_EARLY_MIN"],
        # 服务评价: a ticket's number is typed with the hall's queue prefixes and digits; a case number
        # starts with the hall's code (XIQU-20261130-0001).
        "rating": {
            "prefixes": [queue.prefix for queue in hall.queues],
            "case_prefix": hall.code.upper() + "-",
            "comments": {"good": GOOD_COMMENTS, "bad": BAD_REASONS},
            "thanks_s": 6,
        },
        "urls": {
            "queues": url_for("api.queue.list_queues", hall_code=hall.code),
            # Only the items this hall accepts (下放到社区: an item names its halls; 同城办: every hall).
            "services": url_for("api.citizen.list_hall_services", hall_code=hall.code),
            # 一件事: a bundle's plan for the citizen's answers (the code replaces __code__).
            "plan": url_for("api.bundles.bundle_plan", code="__code__"),
            "tickets": url_for("api.queue.take_ticket", hall_code=hall.code),
            "find_ticket": url_for("api.queue.find_ticket_by_number", hall_code=hall.code),
            "ratings": url_for("api.supervision.create_rating"),
            "print": url_for("kiosk.print_on_printer", hall_code=hall.code, ticket_id=0),
            "status": url_for("kiosk.ticket_status", ticket_id=0),
            # The absolute address the QR code carries (status_url), written under it on screen too.
            "status_public": public_url("kiosk.ticket_status", ticket_id=0),
            "qr": url_for("kiosk.ticket_qr", ticket_id=0),
            "printable": url_for("kiosk.printable_ticket", ticket_id=0),
        },
    }
    return render_template("kiosk/kiosk.html", hall=hall, page_config=page_config)


@bp.get("/t/<int:ticket_id>")
def ticket_status(ticket_id: int):
    ticket = ticket_by_id(ticket_id)
    holder = request.args.get("k")
    page_config = {
        "ticket": _ticket_answer(ticket),
        "hall": ticket.hall.code,
        "tz": current_app.config["TZ_NAME"],
        "api": url_for("api.queue.get_ticket", ticket_id=ticket.id),
        # Opened from the ticket's QR code: its holder may rate it (POST /ratings with this token).
        "rating_token": holder if is_ticket_rating_token(ticket.id, holder) else None,
    }
    return render_template("kiosk/status.html", ticket=ticket, hall=ticket.hall, page_config=page_config)


@bp.get("/t/<int:ticket_id>/qr.svg")
def ticket_qr(ticket_id: int):
    import qrcode
    import qrcode.image.svg

    _holder_or_404(ticket_id)
    url = status_url(ticket_id)
    image = qrcode.make(
        url,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    # Name the address inside the image (screen readers, and tests that check what it encodes).
    head, sep, rest = svg.partition(">")
    label = escape(url)
    named = f'{head} shape-rendering="crispEdges" role="img" aria-label="{label}"{sep}'
    svg = f"{named}<title>{label}</title>{rest}"
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/t/<int:ticket_id>/print")
def printable_ticket(ticket_id: int):
    """A 58 mm-wide page of the ticket that prints itself (for kiosks without an ESC/POS printer)."""
    ticket = _holder_or_404(ticket_id)
    view = _ticket_answer(ticket)
    return render_template(
        "kiosk/print.html",
        ticket=view,
        lines=ticket_lines(view, ticket.hall.name),
        qr_url=url_for("kiosk.ticket_qr", ticket_id=ticket.id, k=ticket_rating_token(ticket.id)),
        status_url=status_url(ticket.id),
    )


@bp.post("/kiosk/<hall_code>/tickets/<int:ticket_id>/print")
@limiter.limit(lambda: current_app.config["RATELIMIT_TICKETS"])
def print_on_printer(hall_code: str, ticket_id: int):
    """Print a ticket of this hall on the kiosk's ESC/POS printer (KIOSK_PRINTER)."""
    hall = db.session.scalar(db.select(Hall).where(Hall.code == hall_code))
    if hall is None:
        return _json_error(404, "not_found", f"服务大厅不存在：{hall_code}", {"hall": hall_code})
    ticket = db.session.get(Ticket, ticket_id)
    held = ticket is not None and is_ticket_rating_token(ticket.id, request.args.get("k"))
    if ticket is None or ticket.hall_id != hall.id or not held:
        return _json_error(404, "not_found", f"号票不存在：{ticket_id}", {"ticket": ticket_id})
    spec = printer_spec()
    if not spec:
        return _json_error(
            409,
            "conflict",
            "本机未连接小票打印机，请使用页面打印或扫码保存号码",
            {"printer": "not_configured"},
        )
    view = _ticket_answer(ticket)
    url = status_url(ticket.id)
    printer = None
    try:
        printer = open_printer(spec, profile=_setting("KIOSK_PRINTER_PROFILE"))
        print_ticket(printer, view, hall.name, url, native_qr=bool(_setting("KIOSK_PRINTER_NATIVE_QR")))
    except PrinterSpecError as exc:
        log.error("KIOSK_PRINTER is malformed: %s", exc)
        return _json_error(
            409, "conflict", "小票打印机配置有误，请联系工作人员", {"printer": "misconfigured"}
        )
    except Exception:
        log.exception("printing ticket %s on %s failed", ticket.id, spec)
        return _json_error(
            409, "conflict", "小票打印失败，请联系工作人员或扫码保存号码", {"printer": "failed"}
        )
    finally:
        if printer is not None:
            try:
                printer.close()
            except Exception:
                log.warning("could not close printer %s", spec)
    return {"printed": True, "ticket": view}
