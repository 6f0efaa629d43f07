"""好差评 by SMS: after a ticket is finished or a case's result handed over, the applicant with a phone
gets a link that rates without typing anything.

A ticket's link is its status page as its QR code carries it (``/t/<id>?k=<rating_token>``); a case's
is its progress page with the case's own capability (``/progress/<case_no>?k=<token>``), which stands
for the phone the message went to: the page opens the case and its rating box at once. Addresses are
absolute (``public_url``: KIOSK_PUBLIC_URL when phones reach the server by another name).
"""

from sqlalchemy import select

from queue_server.accounts.capabilities import case_progress_token, ticket_rating_token
from queue_server.extensions import db
from queue_server.notify import sms
from queue_server.queue.models import Hall
from queue_server.web import public_url


def ticket_rating_link(ticket_id: int) -> str:
    """Return the address that opens a ticket's status page ready to rate it."""
    return public_url("kiosk.ticket_status", ticket_id=ticket_id, k=ticket_rating_token(ticket_id))


def case_rating_link(case_no: str) -> str:
    """Return the address that opens a case's progress page, and its rating box, without the phone."""
    return public_url("portal.progress", case_no=case_no, k=case_progress_token(case_no))


def invite_ticket_rating(ticket) -> None:
    """Text the ticket's phone (if it left one) the link to rate the service just finished."""
    if not (ticket.phone or "").strip():
        return
    hall_name = db.session.scalar(select(Hall.name).where(Hall.id == ticket.hall.id))
    sms.notify(
        ticket.phone,
        "rating_invited",
        number=ticket.number,
        link=ticket_rating_link(ticket.id),
        hall_name=hall_name,
    )


def invite_case_rating(case) -> None:
    """Text the applicant the link to rate the case whose result they were just handed."""
    sms.notify(
        case.applicant_phone,
        "case_rating_invited",
        case_no=case.case_no,
        link=case_rating_link(case.case_no),
        hall_name=case.hall.name,
    )
