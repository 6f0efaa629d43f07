"""What the public 办结公示 page answers: a day's cases per item (masked) and the hall's figures."""

import datetime as dt
from typing import Annotated

from pydantic import AliasPath, BeforeValidator, Field, computed_field

from queue_server.api.answers import Answer, HallTime
from queue_server.supervision.answers import Mode, rate_of
from queue_server.supervision.stats_answers import CaseFigures, RatingFigures
from workflows import case as case_flow

StateName = Annotated[str, BeforeValidator(case_flow.STATE_NAMES.__getitem__)]


class PublicCaseOut(Answer):
    case_no: str
    applicant: str = Field(description="申请人（脱敏） Applicant, masked")
    mode: Mode
    at: HallTime
    state: str
    state_name: StateName = Field(validation_alias="state")
    on_time: bool | None = Field(None, description="办结件：是否在承诺时限内 Decided on time")


class PublicItemOut(Answer):
    service: str
    service_name: str
    accepted: list[PublicCaseOut]
    decided: list[PublicCaseOut]


class PublicRatingFigures(RatingFigures):
    @computed_field(description="满意率：评价为满意、非常满意（4、5 分）的比例 Share of grades 4 and 5")
    @property
    def satisfied_rate(self) -> float | None:
        return rate_of(self.by_grade["4"] + self.by_grade["5"], self.count)


class PublicFiguresOut(Answer):
    start: dt.date = Field(validation_alias="start")
    end: dt.date = Field(validation_alias="end")
    cases: CaseFigures = Field(validation_alias="total")
    ratings: PublicRatingFigures = Field(validation_alias="total")


class PublicityOut(Answer):
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    date: dt.date = Field(validation_alias="day")
    items: list[PublicItemOut]
    figures: PublicFiguresOut = Field(description="本月至当日 The month up to the day")
    items_by_mode: dict[Mode, int] = Field(description="事项清单按五办模式统计 Items in effect by 五办 mode")
