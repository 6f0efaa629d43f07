"""What the cases API answers, built from the rows: the case object, case lists, approvers, public progress.

A case answer depends on who looks (the triggers they may fire): build it with
``reply(CaseOut, case, context=seen_by(user))``. What is derived from the row (its clock from the hall's
calendar, its history) is worked out by the model's ``model_validator(mode="before")``, so after the
request's commit.
"""

from dataclasses import replace
from datetime import date
from typing import Annotated, Literal

from pydantic import AliasPath, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from queue_server.accounts.auth import Principal
from queue_server.api.answers import Answer, HallTime, MaybeHallTime
from queue_server.calendar.workcalendar import WorkCalendar
from queue_server.calendar.workdays import hall_calendar
from queue_server.cases import bundles
from queue_server.cases.agent_models import VISIT_REASONS, AgentRequest
from queue_server.cases.handover import COLLECTOR_KINDS
from queue_server.cases.models import Case, CaseHandover
from queue_server.cases.queries import (
    allowed_triggers,
    documents_of,
    history_of,
    mask_id_number,
    mask_name,
    progress_url,
)
from queue_server.cases.rules import case_clock_of, expected_deadline
from queue_server.citizen.items import terms_of
from queue_server.schemas import mask_phone
from workflows import case as case_flow

Mode = Literal["immediate", "online", "once", "agent", "citywide", "bundle"]
CaseState = Literal[tuple(case_flow.STATES)]
Light = Literal["green", "yellow", "red"]
DocumentKind = Literal["acceptance", "deficiency", "supplement", "refusal", "completion", "receipt"]


def _day(value):
    return value.isoformat() if isinstance(value, date) else value


Day = Annotated[str | None, BeforeValidator(_day)]  # a hall date, ISO 8601
ModeName = Annotated[str, BeforeValidator(case_flow.MODE_NAMES.__getitem__)]
StateName = Annotated[str, BeforeValidator(case_flow.STATE_NAMES.__getitem__)]
# The intake's row has no trigger of the machine: it reads 登记.
TriggerName = Annotated[str, BeforeValidator(lambda trigger: case_flow.TRIGGER_NAMES.get(trigger, "登记"))]


class Derived:
    """A row as an answer reads it: the values derived for it first, then the row's own attributes."""

    def __init__(self, row, **derived):
        self._row = row
        self.__dict__.update(derived)

    def __getattr__(self, name: str):
        return getattr(self._row, name)


class CaseAnswer(Answer):
    """Base of the case answers: every field is always present (documented as required)."""

    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


def seen_by(viewer: Principal) -> dict:
    """Return the validation context of a case answer: who looks at it."""
    return {"viewer": viewer}


def _calendar(info: ValidationInfo) -> WorkCalendar:
    """Read the hall's calendar once per answer (a list of cases shares it through the context)."""
    if info.context is None:
        return hall_calendar()
    if "calendar" not in info.context:
        info.context["calendar"] = hall_calendar()
    return info.context["calendar"]


def _part_clock(case: Case, info: ValidationInfo):
    """A part's clock; a part waiting for others shows the day its bundle's plan expects it decided."""
    own = case_clock_of(case, calendar=_calendar(info))
    if own.deadline is None and bundles.is_waiting(case):
        return replace(own, deadline=expected_deadline(case, _calendar(info)))
    return own


class Person(CaseAnswer):
    username: str
    name: str


class CaseHistoryEntry(CaseAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    from_: str | None = Field(validation_alias="from_state", serialization_alias="from")
    to: CaseState = Field(validation_alias="to_state")
    trigger: str
    trigger_name: TriggerName = Field(validation_alias="trigger")
    actor: str | None = Field(None, validation_alias=AliasPath("actor", "username"))
    actor_name: str | None = Field(None, validation_alias=AliasPath("actor", "name"))
    at: HallTime
    note: str | None
    data: dict | None


class CaseDelivery(CaseAnswer):
    method: Literal["pickup", "mail"] = Field(validation_alias="delivery_method")
    hall: str = Field(validation_alias=AliasPath("delivery_hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("delivery_hall", "name"))
    address: str | None = Field(validation_alias="delivery_address")


class CaseApplicant(CaseAnswer):
    name: str = Field(validation_alias="applicant_name")
    id_number: Annotated[str, BeforeValidator(mask_id_number)] = Field(
        validation_alias="applicant_id_number", description="脱敏 masked"
    )
    phone: Annotated[str, BeforeValidator(mask_phone)] = Field(
        validation_alias="applicant_phone", description="脱敏 masked"
    )


class CaseCollector(CaseAnswer):
    """Who took the result (deliver): the collector at the pickup window, or who signed for the mail."""

    method: Literal["pickup", "mail"]
    kind: Literal["self", "proxy"] | None = Field(
        validation_alias="collector_kind", description="self 本人, proxy 受托人; null for mail"
    )
    kind_name: str | None = Field(description="本人 / 受托人")
    name: str | None = Field(validation_alias="collector_name", description="领取人或签收人")
    id_number: Annotated[str | None, BeforeValidator(mask_id_number)] = Field(
        validation_alias="collector_id_number", description="脱敏 masked"
    )
    id_checked: bool = Field(description="本人：已核验身份证件")
    proxy_letter: bool = Field(description="受托人：已收取授权委托书")
    waybill_no: str | None
    signed_at: MaybeHallTime = Field(description="邮寄签收时间 When the mail was signed for")
    signed_on_screen: bool = Field(description="已在屏幕上签名 Signed on screen (else on paper)")
    clerk: Person | None
    at: HallTime

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, row, info: ValidationInfo):
        if not isinstance(row, CaseHandover):
            return row
        kind_name = COLLECTOR_KINDS.get(row.collector_kind) if row.collector_kind else None
        return Derived(row, kind_name=kind_name, signed_on_screen=row.signature_png is not None)


class CaseChild(CaseAnswer):
    """A part of a 主题式 bundle, as its parent case lists it."""

    case_no: str
    service: str = Field(validation_alias=AliasPath("service", "code"))
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    mode: Mode
    department: str = Field(validation_alias=AliasPath("department", "code"))
    department_name: str = Field(validation_alias=AliasPath("department", "name"))
    state: CaseState
    state_name: StateName = Field(validation_alias="state")
    assignee: Person | None
    deadline: Day = Field(validation_alias=AliasPath("clock", "deadline"))
    light: Light | None = Field(validation_alias=AliasPath("clock", "light"))
    waiting_for: list[str] = Field(
        description="等待前置事项：须先办结的子项 The parts it still waits for (empty once started)"
    )
    missing: list[str] = Field(description="一次性告知的补正材料 What its 补正 notice asks for")

    @model_validator(mode="before")
    @classmethod
    def _clock(cls, case, info: ValidationInfo):
        if not isinstance(case, Case):
            return case
        return Derived(
            case,
            clock=_part_clock(case, info),
            waiting_for=bundles.waiting_for(case),
            missing=case.missing if case.state == "awaiting_supplement" else [],
        )


class AgentRequestOut(CaseAnswer):
    """代理办: what the citizen asked (address, home visit and why) and the visit the agent booked."""

    address: str | None
    home_visit: bool
    reasons: list[Literal["elderly", "disabled", "ill", "other"]]
    reason_names: list[str]
    note: str | None
    channel: str | None
    visit_at: MaybeHallTime
    visit_address: str | None
    contact_phone: str | None = Field(
        description="申请人完整手机号，仅接单的代办员可见 The full phone, for the agent holding the case"
    )

    @model_validator(mode="before")
    @classmethod
    def _names(cls, asked, info: ValidationInfo):
        if not isinstance(asked, AgentRequest):
            return asked
        viewer = (info.context or {}).get("viewer")
        holds = viewer is not None and asked.case.agent_id is not None and asked.case.agent_id == viewer.id
        return Derived(
            asked,
            reason_names=[VISIT_REASONS[reason] for reason in asked.reasons],
            contact_phone=asked.case.applicant_phone if holds else None,
        )


class CaseOut(CaseAnswer):
    """The contract's case object, with the triggers the requesting user may fire now."""

    id: int
    case_no: str
    service: str = Field(validation_alias=AliasPath("service", "code"))
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    service_version: int | None = Field(
        description="受理时适用的事项版本 The item's version the case follows"
    )
    mode: Mode
    mode_name: ModeName = Field(validation_alias="mode")
    workflow_version: int
    online: bool = Field(
        description="网上申请（网上办、网上申请的一件事及其子件） Applied online, or part of such a bundle"
    )
    hall: str = Field(validation_alias=AliasPath("hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    jurisdiction: str = Field(
        validation_alias=AliasPath("jurisdiction", "code"), description="管辖区 district"
    )
    jurisdiction_name: str = Field(validation_alias=AliasPath("jurisdiction", "name"))
    department: str = Field(validation_alias=AliasPath("department", "code"))
    department_name: str = Field(validation_alias=AliasPath("department", "name"))
    state: CaseState
    state_name: StateName = Field(validation_alias="state")
    allowed_triggers: list[str] = Field(description="本用户此刻可执行的操作 Triggers this user may fire now")
    created_at: HallTime
    accepted_at: MaybeHallTime
    decided_at: MaybeHallTime
    deadline: Day = Field(validation_alias=AliasPath("clock", "deadline"))
    remaining_workdays: int | None = Field(validation_alias=AliasPath("clock", "remaining_workdays"))
    light: Light | None = Field(validation_alias=AliasPath("clock", "light"))
    clock_paused: bool = Field(validation_alias=AliasPath("clock", "paused"))
    on_time: bool | None = Field(validation_alias=AliasPath("clock", "on_time"))
    promised_days: int = Field(validation_alias=AliasPath("terms", "promised_days"))
    legal_days: int = Field(validation_alias=AliasPath("terms", "legal_days"))
    delivery: CaseDelivery
    waybill_no: str | None
    applicant: CaseApplicant
    ticket_id: int | None
    parent: str | None = Field(
        None,
        validation_alias=AliasPath("parent", "case_no"),
        description="主题式服务子件的主件编号 The bundle this case belongs to",
    )
    children: list[CaseChild] = Field(description="主题式服务的子件 The bundle's parts")
    waiting_for: list[str] = Field(
        description="子件等待前置事项：须先办结的子项 The parts this part still waits for"
    )
    siblings: list[CaseChild] = Field(description="同一件事的其他子件 The other parts of the same bundle")
    materials: list[dict]
    deficiencies: list[dict]
    missing: list[str]
    assignee: Person | None
    agent: Person | None
    agent_request: AgentRequestOut | None = Field(description="代理办：代办申请与上门预约 The agent request")
    visits: int
    extra_visit: bool
    collector: CaseCollector | None = Field(description="送达：领取人或邮件签收人 Who took the result")
    documents: list[DocumentKind]
    progress_url: str
    history: list[CaseHistoryEntry]

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, case, info: ValidationInfo):
        if not isinstance(case, Case):
            return case
        history = history_of(case)
        return Derived(
            case,
            clock=case_clock_of(case, calendar=_calendar(info)),
            service_version=case.service_version or case.service.version,
            terms=terms_of(case),
            allowed_triggers=allowed_triggers(case, info.context["viewer"]),
            waiting_for=bundles.waiting_for(case),
            siblings=bundles.siblings(case),
            delivery=case,
            applicant=case,
            extra_visit=case.mode == "once" and case.visits > 1,
            online=case_flow.applied_online(
                (case.parent or case).mode, (case.parent or case).workflow_version
            ),
            collector=case.handover,
            documents=documents_of(history),
            progress_url=progress_url(case),
            history=history,
        )


class CaseListOut(CaseAnswer):
    items: list[CaseOut]
    total: int


class ProgressEntry(CaseAnswer):
    state: CaseState = Field(validation_alias="to_state")
    state_name: StateName = Field(validation_alias="to_state")
    at: HallTime


class ProgressApplicant(CaseAnswer):
    name: Annotated[str, BeforeValidator(mask_name)] = Field(
        validation_alias="applicant_name", description="脱敏 masked"
    )
    phone: Annotated[str, BeforeValidator(mask_phone)] = Field(
        validation_alias="applicant_phone", description="脱敏 masked"
    )


class ProgressDelivery(CaseAnswer):
    method: Literal["pickup", "mail"] = Field(validation_alias="delivery_method")
    hall: str = Field(validation_alias=AliasPath("delivery_hall", "code"))
    hall_name: str = Field(validation_alias=AliasPath("delivery_hall", "name"))
    hall_address: str = Field(validation_alias=AliasPath("delivery_hall", "address"), description="领取地址")
    waybill_no: str | None


class ProgressVisit(CaseAnswer):
    """The agent's visit as the applicant sees it: when, and whether it is a home visit (上门办理)."""

    home_visit: bool
    at: MaybeHallTime = Field(validation_alias="visit_at")


class ProgressChild(CaseAnswer):
    """A part of a bundle as its applicant follows it: the item, who decides it, its state and deadline."""

    service: str = Field(validation_alias=AliasPath("service", "code"))
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    department_name: str = Field(validation_alias=AliasPath("department", "name"))
    state: CaseState
    state_name: str
    deadline: Day = Field(validation_alias=AliasPath("clock", "deadline"))
    waiting_for: list[str] = Field(description="等待前置事项 The parts it still waits for")
    missing: list[str] = Field(description="需补正的材料 What its 补正 notice asks for")

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, case, info: ValidationInfo):
        if not isinstance(case, Case):
            return case
        waiting = bundles.waiting_for(case)
        return Derived(
            case,
            clock=_part_clock(case, info),
            state_name=bundles.WAITING_NAME if waiting else case_flow.STATE_NAMES[case.state],
            waiting_for=waiting,
            missing=case.missing if case.state == "awaiting_supplement" else [],
        )


class ProgressOut(CaseAnswer):
    """A case's public progress, as its applicant sees it (masked)."""

    case_no: str
    service: str = Field(validation_alias=AliasPath("service", "code"))
    service_name: str = Field(validation_alias=AliasPath("service", "name"))
    mode: Mode
    mode_name: ModeName = Field(validation_alias="mode")
    hall_name: str = Field(validation_alias=AliasPath("hall", "name"))
    jurisdiction_name: str = Field(
        validation_alias=AliasPath("jurisdiction", "name"), description="审批所在区"
    )
    state: CaseState
    state_name: StateName = Field(validation_alias="state")
    deadline: Day = Field(validation_alias=AliasPath("clock", "deadline"))
    remaining_workdays: int | None = Field(validation_alias=AliasPath("clock", "remaining_workdays"))
    light: Light | None = Field(validation_alias=AliasPath("clock", "light"))
    applicant: ProgressApplicant
    missing: list[str]
    delivery: ProgressDelivery
    children: list[ProgressChild] = Field(description="主题式服务的各子项 The bundle's parts")
    visit: ProgressVisit | None = Field(
        validation_alias="agent_request", description="代理办：代办员预约的上门时间 The agent's visit"
    )
    history: list[ProgressEntry]

    @model_validator(mode="before")
    @classmethod
    def _derive(cls, case, info: ValidationInfo):
        if not isinstance(case, Case):
            return case
        return Derived(
            case,
            clock=case_clock_of(case, calendar=_calendar(info)),
            applicant=case,
            missing=case.missing if case.state == "awaiting_supplement" else [],
            delivery=case,
            history=history_of(case),
        )
