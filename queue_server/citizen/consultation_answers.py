"""What the 在线咨询 API answers: a question with its answer, the public FAQ of an item, the figures."""

from datetime import date
from typing import Annotated, Literal

from pydantic import AliasPath, BeforeValidator, Field, computed_field

from queue_server.api.answers import Answer, HallTime, MaybeHallTime
from queue_server.cases.queries import mask_name
from queue_server.validation import mask_phone


class ConsultationOut(Answer):
    """A question as the asker and the consultants see it (name and phone masked)."""

    id: int
    service: str = Field(validation_alias=AliasPath("service", "code"))
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    name: Annotated[str, BeforeValidator(mask_name)] = Field(description="脱敏 masked")
    phone: Annotated[str, BeforeValidator(mask_phone)] = Field(description="脱敏 masked")
    question: str
    created_at: HallTime
    answer: str | None
    public: bool
    answered_at: MaybeHallTime
    answered_by: str | None = Field(validation_alias=AliasPath("answered_by", "name"), default=None)

    @computed_field
    @property
    def state(self) -> Literal["open", "answered"]:
        return "open" if self.answered_at is None else "answered"


class ConsultationListOut(Answer):
    items: list[ConsultationOut]
    total: int


class FaqOut(Answer):
    """One public question and its answer, on the item's guide page (常见问题)."""

    question: str
    answer: str
    answered_at: HallTime


class ConsultationFiguresOut(Answer):
    start: date
    end: date
    questions: int
    answered: int
    open: int
    median_answer_s: float | None = Field(description="答复用时中位数（秒） Median time to answer")
    p95_answer_s: float | None = Field(description="95% 答复用时（秒） 95th percentile time to answer")
