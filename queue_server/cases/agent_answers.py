"""What the 代理办 endpoints answer: a request taken in, the agents' roster and their figures."""

from datetime import date

from pydantic import AliasPath, Field, ValidationInfo, model_validator

from queue_server.cases.answers import (
    AgentRequestOut,
    CaseAnswer,
    CaseState,
    Derived,
    Mode,
    StateName,
)
from queue_server.cases.models import Case
from queue_server.cases.queries import progress_url


class AgentRequestCreatedOut(CaseAnswer):
    """A citizen's request taken in: the case its agents will take, and where to follow it."""

    case_no: str
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    service: str = Field(validation_alias=AliasPath("service", "code"))
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    mode: Mode
    state: CaseState
    state_name: StateName = Field(validation_alias="state")
    request: AgentRequestOut = Field(validation_alias="agent_request")
    progress_url: str

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, case, info: ValidationInfo):
        if not isinstance(case, Case):
            return case
        return Derived(case, progress_url=progress_url(case))


class RosterEntry(CaseAnswer):
    """One agent and the hall they serve (代办员花名册)."""

    username: str
    name: str
    hall: str
    hall_name: str
    active: bool
    open_cases: int = Field(description="本人在办的代办件 Open cases held")
    hall_waiting: int = Field(description="所在大厅待接单的申请 Requests waiting at the agent's hall")


class AgentFigures(CaseAnswer):
    username: str
    name: str
    hall: str
    hall_name: str
    taken: int = Field(description="接单 Requests taken")
    submitted: int = Field(description="代办提交 Submitted to the department")
    handed_over: int = Field(description="送达 Results handed over")
    median_take_s: int | None = Field(description="从申请到接单的中位时长（秒） Median time to take")


class AgentStatsOut(CaseAnswer):
    model_config = CaseAnswer.model_config | {"serialize_by_alias": True}

    hall: str
    from_: date = Field(validation_alias="from", serialization_alias="from")
    to: date
    agents: list[AgentFigures]
