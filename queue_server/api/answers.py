"""Answer models every part of the API shares: the contract's error body and the health check."""

from typing import Literal

from pydantic import BaseModel, ConfigDict


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
