"""What the accounts API reads: the sign-in and the password change."""

from typing import Annotated

from pydantic import StringConstraints

from queue_server.validation import Body, SingleLine


class TokenRequest(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=50), SingleLine]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class PasswordRequest(Body):
    """POST /auth/password: the current password and the new one (8 to 200 characters)."""

    old: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new: Annotated[str, StringConstraints(min_length=8, max_length=200)]
