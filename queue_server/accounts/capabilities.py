"""Capability tokens: secrets that let their holder do one thing without signing in.

A ticket's ``rating_token`` lets whoever holds the ticket rate it (好差评): the answer that issues the
ticket carries it and the ticket's QR code (its status page address) holds it; the ticket number,
which anyone at the hall can read off the board, does not. The token is an HMAC of the ticket's id
under the server's SECRET_KEY, so nothing is stored and every worker checks it alike.

A case's progress token stands for its applicant's phone: the SMS that invites them to rate the case
(``queue_server/notify/rating_links.py``) links to the progress page with it, and that page then shows
the case and rates it without asking for the phone the message went to.
"""

import hashlib
import hmac

from flask import current_app

_PURPOSE = b"wuban.ticket-rating."
_CASE_PURPOSE = b"wuban.case-progress."


def _mac(purpose: bytes, subject: str, length: int = 32) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, purpose + subject.encode(), hashlib.sha256).hexdigest()[:length]


def ticket_rating_token(ticket_id: int) -> str:
    """Return the secret that lets its holder rate this ticket."""
    return _mac(_PURPOSE, str(ticket_id))


def is_ticket_rating_token(ticket_id: int, token: str | None) -> bool:
    """Tell whether ``token`` is this ticket's rating token (in constant time)."""
    return bool(token) and hmac.compare_digest(ticket_rating_token(ticket_id), token)


def case_progress_token(case_no: str) -> str:
    """Return the secret that stands for a case applicant's phone on its progress page."""
    return _mac(_CASE_PURPOSE, case_no, 16)  # 64 bits: short enough for an SMS, far beyond guessing


def is_case_progress_token(case_no: str, token: str | None) -> bool:
    """Tell whether ``token`` is this case's progress token (in constant time)."""
    return bool(token) and hmac.compare_digest(case_progress_token(case_no), token)
