"""What the cases API reads: a new case, its applicant, a trigger and its data, the list's filters."""

import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints, model_validator

from queue_server.cases.agent_schemas import AgentSubmitData
from queue_server.validation import (
    ApiDate,
    Body,
    Code,
    JsonTime,
    Name,
    Note,
    Offset,
    Phone,
    Query,
    RowId,
    SingleLine,
    Text,
)
from workflows import case as case_flow

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Dates arrive as text in JSON: parsed (strictly YYYY-MM-DD, in range) even in a strict body.
JsonDate = ApiDate
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)]


def id_number_problem(value: str) -> str | None:
    """Say what is wrong with a resident ID number (GB 11643), or None when it is valid."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "应为 18 位身份证号码（最后一位可为 X）"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "出生日期不正确"
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS, strict=True))
    check = ID_CHECK_CHARS[total % 11]
    return None if value[17] == check else "校验位不正确，请核对身份证号码"


class Applicant(Body):
    name: Name
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=18)]
    phone: Phone

    @model_validator(mode="after")
    def _valid_id_number(self) -> "Applicant":
        problem = id_number_problem(self.id_number)
        if problem:
            raise ValueError(f"applicant.id_number|{problem}")
        return self


class MaterialReceived(Body):
    name: Text
    original_seen: bool = False
    copies: Annotated[int, Field(ge=0, le=99)] = 0


class Delivery(Body):
    method: Literal["pickup", "mail"]
    hall: Code | None = None
    address: Address | None = None


class CaseRequest(Body):
    service: Code
    hall: Code
    mode: Literal["immediate", "online", "once", "agent", "citywide", "bundle"]
    applicant: Applicant
    ticket_id: RowId | None = None
    materials: Annotated[list[MaterialReceived], Field(max_length=60)] = []
    delivery: Delivery | None = None
    # 同城办: the district hall whose department decides (default: the accepting hall's district).
    jurisdiction: Code | None = None
    # 主题式 一件事: the answers to the bundle's questions ({id: value}), deciding its optional parts.
    answers: Annotated[
        dict[Code, Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]],
        Field(max_length=30),
    ] = {}


class TransitionRequest(Body):
    trigger: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), SingleLine]
    note: Note | None = None
    data: dict[str, Any] | None = None


# The data each trigger takes (docs/cases.md); a trigger without an entry takes none.
class DeficiencyData(Body):
    deficiencies: Annotated[list[Text], Field(min_length=1, max_length=30)]
    due: JsonDate


class SupplementNoticeData(Body):
    missing: Annotated[list[Text], Field(min_length=1, max_length=30)]


class SupplementData(Body):
    materials: Annotated[list[MaterialReceived], Field(max_length=60)] = []


class ReassignData(Body):
    assignee: Name


class SuspendData(Body):
    kind: Literal["hearing", "testing", "inspection", "appraisal", "expert_review"]


class MailData(Body):
    waybill_no: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{6,40}$")]
    address: Address | None = None


IdNumber = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, max_length=18)]
# A signature drawn on screen: a PNG data URL (data:image/png;base64,…), checked by the operation.
SignatureDataUrl = Annotated[
    str, StringConstraints(pattern=r"^data:image/png;base64,[A-Za-z0-9+/=]+$", max_length=600_000)
]


class Collector(Body):
    """Who collects a result at the window: the applicant (本人) or the one they authorised (受托人)."""

    kind: Literal["self", "proxy"]
    name: Name | None = None
    id_number: IdNumber | None = None
    # 本人: the clerk checked the ID card; 受托人: the power of attorney (授权委托书) is taken.
    id_checked: bool = False
    proxy_letter: bool = False


class MailReceipt(Body):
    """The signed receipt of a mailed result: who signed for it (签收人) and when (签收时间)."""

    signed_by: Name
    signed_at: JsonTime


class DeliverData(Body):
    received: Annotated[list[Text], Field(max_length=30)] = []
    # At the pickup window the collector is required (checked by the operation, after the 容缺 check).
    collector: Collector | None = None
    receipt: MailReceipt | None = None
    signature: SignatureDataUrl | None = None


class AssignAgentData(Body):
    agent: Name | None = None


class NoData(Body):
    pass


TRIGGER_DATA: dict[str, type[Body]] = {
    "submit": AgentSubmitData,
    "accept_with_deficiency": DeficiencyData,
    "request_supplement": SupplementNoticeData,
    "supplement": SupplementData,
    "reassign": ReassignData,
    "suspend": SuspendData,
    "mail": MailData,
    "deliver": DeliverData,
    "assign_agent": AssignAgentData,
}


class CaseListQuery(Query):
    references: ClassVar[dict[str, str]] = {"department": "department", "hall": "hall", "assignee": "user"}
    state: Literal[tuple(case_flow.STATES)] | None = None
    light: Literal["green", "yellow", "red"] | None = None
    department: Code | None = None
    hall: Code | None = None
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = None
    assignee: Name | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    offset: Offset = 0


class ProgressQuery(Query):
    phone: Phone
