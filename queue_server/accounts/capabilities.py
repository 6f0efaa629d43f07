"""Capability tokens: secrets that let their holder do one thing without signing in.

A ticket's ``rating_token`` lets whoever holds the ticket rate it (好差评): the answer that issues the
ticket carries it and the ticket's QR code (its status page address) holds it; the ticket number,
which anyone at the hall can read off the board, does not. The token is an HMAC of the ticket's id
under the server's SECRET_KEY, so nothing is stored and every worker checks it alike.
"""

import hashlib
import hmac

from flask import current_app

_PURPOSE = b"wuban.ticket-rating."


def ticket_rating_token(ticket_id: int) -> str:
    """Return the secret that lets its holder rate this ticket."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, _PURPOSE + str(ticket_id).encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def is_ticket_rating_token(ticket_id: int, token: str | None) -> bool:
    """Tell whether ``token`` is this ticket's rating token (in constant time)."""
    return bool(token) and hmac.compare_digest(ticket_rating_token(ticket_id), token)
