"""What the 代理办 endpoints read: a citizen's request for an agent, a visit booked, the agent's submit."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from queue_server.validation import ApiDate, Body, Code, JsonTime, Name, Note, Phone, Query, Text

Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)]
Reason = Literal["elderly", "disabled", "ill", "other"]


class AgentApplicant(Body):
    name: Name
    phone: Phone


class AgentRequestBody(Body):
    hall: Code
    service: Code
    applicant: AgentApplicant
    address: Address | None = None
    home_visit: bool = False
    # Why a home visit (上门办理): 高龄、残疾、患病、其他; a home visit names at least one.
    reasons: Annotated[list[Reason], Field(max_length=4)] = []
    note: Note | None = None
    channel: Literal["portal", "booking", "kiosk"] | None = None


class VisitBody(Body):
    at: JsonTime
    address: Address | None = None


class MaterialCollected(Body):
    name: Text
    original_seen: bool = False
    copies: Annotated[int, Field(ge=0, le=99)] = 0


class AgentSubmitData(Body):
    """The agent's submit (代办提交): the materials collected and the applicant's ID number."""

    materials: Annotated[list[MaterialCollected], Field(max_length=60)] = []
    applicant_id_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=18)] | None
    ) = None


class AgentStatsQuery(Query):
    # `from` is a Python keyword: the field is from_ with the alias the API uses.
    from_: ApiDate | None = Field(None, alias="from")
    to: ApiDate | None = None
