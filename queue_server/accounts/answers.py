"""What the accounts API answers: the contract's user object and a sign-in token."""

from pydantic import AliasPath, Field

from queue_server.api.answers import Answer


class UserOut(Answer):
    username: str
    name: str
    roles: list[str]
    hall: str | None = Field(None, validation_alias=AliasPath("hall", "code"))
    department: str | None = Field(None, validation_alias=AliasPath("department", "code"))


class TokenOut(Answer):
    token: str
    user: UserOut
