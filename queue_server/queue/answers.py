"""What the queue API answers: halls, queues, windows, tickets, the board and the clerk's desk."""

from typing import Literal

from pydantic import ConfigDict, field_validator

from queue_server.api.answers import Answer


class QueueAnswer(Answer):
    """Base of the queue's answers: every field is required in the document, as the contract says."""

    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


class WindowOut(QueueAnswer):
    id: int
    number: int
    name: str
    queues: list[str]
    status: Literal["open", "paused", "closed"]
    clerk: str | None

    @field_validator("queues", mode="before")
    @classmethod
    def _queue_codes(cls, queues):
        return [queue if isinstance(queue, str) else queue.code for queue in queues]

    @field_validator("clerk", mode="before")
    @classmethod
    def _clerk_name(cls, clerk):
        return clerk if clerk is None or isinstance(clerk, str) else clerk.name
