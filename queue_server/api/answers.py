"""Answer models every part of the API shares: the error body, the health check, the answers' bases."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasPath, BaseModel, BeforeValidator, ConfigDict, Field, computed_field

from queue_server.calendar import clock


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict


class Error(BaseModel):
    """The contract's error body: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorDetail


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: Literal["ok", "down"]
    redis: Literal["ok", "off", "down"]


class Answer(BaseModel):
    """Base of every answer model: built from the row with ``Model.model_validate(row)``."""

    model_config = ConfigDict(from_attributes=True)


def _hall_iso(value):
    return clock.to_hall_iso(value) if isinstance(value, datetime) else value


# A time as the contract writes it: ISO 8601 with the hall's offset.
HallTime = Annotated[str, BeforeValidator(_hall_iso)]
MaybeHallTime = Annotated[str | None, BeforeValidator(_hall_iso)]


def _answered_always(schema: dict) -> None:
    # A default only fills a value the row lacks; the answer always carries every field.
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class CompleteAnswer(Answer):
    """Base of answers that always carry every field (each documented as required)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_serialization_defaults_required=True,
        json_schema_extra=_answered_always,
    )


def name_in(names: dict, field: str) -> Any:
    """Declare a computed field that names another field's value: ``name_in(STATE_NAMES, "state")``."""
    return computed_field(property(lambda answer: names[getattr(answer, field)]), return_type=str)


def from_path(*names: str, **field: Any) -> Any:
    """Declare a field read from the row along an attribute path: ``from_path("case", "service", "name")``."""
    return Field(validation_alias=AliasPath(*names), **field)
