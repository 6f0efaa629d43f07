"""What the calendar API reads: the query strings of the working-day calendar and the deadline."""

from typing import Annotated

from pydantic import Field, model_validator

from queue_server.validation import ApiDate, Query, check_span


class DeadlineQuery(Query):
    start: ApiDate
    workdays: Annotated[int, Field(ge=0, le=3650)]


class CalendarQuery(Query):
    from_: ApiDate = Field(alias="from")
    to: ApiDate

    @model_validator(mode="after")
    def _span(self) -> "CalendarQuery":
        check_span(self.from_, self.to)
        return self
