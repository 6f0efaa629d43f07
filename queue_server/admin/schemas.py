"""Request bodies and list queries of the administration API (CONTRACT.md, "Administration")."""

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, model_validator

from queue_server.accounts.models import ROLES
from queue_server.schemas import Body, Code, Name, Offset, Query
from queue_server.validation import ApiDate, SingleLine

WEEKDAYS = ("1", "2", "3", "4", "5", "6", "7")
LEVELS = ("district", "community", "station")

HourMinute = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
]
ObjectCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,32}$")]
Username = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.@-]{2,50}$")]
Password = Annotated[str, StringConstraints(min_length=8, max_length=200)]
# 工号: letters, digits and hyphens, as halls number their staff (e.g. XQ-0101).
EmployeeNo = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,20}$")]
Prefix = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^[A-Z]{1,4}$"),
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), SingleLine]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+()\- ]{0,40}$")]
HallName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
Role = Literal[ROLES]


class DayHours(Body):
    """One weekday's hours: opening, the last ticket (取号截止) and closing, hall time ``HH:MM``."""

    open: HourMinute
    last_ticket: HourMinute
    close: HourMinute


Hours = dict[Literal[WEEKDAYS], DayHours | None]


def hours_problem(hours: dict | None) -> str | None:
    """Say what is wrong with a week of hours as ``field|message``, or None."""
    if hours is None:
        return None
    missing = [day for day in WEEKDAYS if day not in hours]
    if missing:
        return f"hours|须给出星期一至星期日（1–7）每一天的时间，休息日为 null；缺少：{'、'.join(missing)}"
    for day in WEEKDAYS:
        times = hours[day]
        if times is None:
            continue
        if not times.open < times.close:
            return f"hours.{day}.close|关门时间应晚于开门时间"
        if not times.open < times.last_ticket <= times.close:
            return f"hours.{day}.last_ticket|取号截止时间应晚于开门时间，且不晚于关门时间"
    return None


class HallRequest(Body):
    """POST /admin/halls; ``hours`` null: tickets are issued around the clock."""

    code: ObjectCode
    name: HallName
    address: Address = ""
    phone: PhoneText = ""
    level: Literal[LEVELS] = "district"
    parent: Code | None = None
    hours: Hours | None

    @model_validator(mode="after")
    def _hours(self) -> "HallRequest":
        problem = hours_problem(self.hours)
        if problem:
            raise ValueError(problem)
        return self


class HallPatch(Body):
    """PATCH /admin/halls/{hall}: any field but ``code``."""

    name: HallName | None = None
    address: Address | None = None
    phone: PhoneText | None = None
    level: Literal[LEVELS] | None = None
    parent: Code | None = None
    hours: Hours | None = None

    @model_validator(mode="after")
    def _fields(self) -> "HallPatch":
        for name in ("name", "address", "phone", "level"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name}|不能为 null")
        problem = hours_problem(self.hours)
        if problem:
            raise ValueError(problem)
        return self


class DepartmentRequest(Body):
    code: ObjectCode
    name: HallName


class QueueRequest(Body):
    code: ObjectCode
    name: Name
    prefix: Prefix


class WindowRequest(Body):
    """POST /admin/halls/{hall}/windows: ``queues`` in the order the window serves them."""

    number: Annotated[int, Field(ge=1, le=9999)]
    name: Name
    queues: Annotated[list[Code], Field(max_length=30)] = []
    pickup: bool = False

    @model_validator(mode="after")
    def _distinct(self) -> "WindowRequest":
        if len(set(self.queues)) != len(self.queues):
            raise ValueError("queues|同一队列不能重复")
        return self


class WindowPatch(Body):
    name: Name | None = None
    queues: Annotated[list[Code], Field(max_length=30)] | None = None
    pickup: bool | None = None

    @model_validator(mode="after")
    def _fields(self) -> "WindowPatch":
        for name in ("name", "queues", "pickup"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name}|不能为 null")
        if self.queues is not None and len(set(self.queues)) != len(self.queues):
            raise ValueError("queues|同一队列不能重复")
        return self


def _distinct_roles(roles: list[str] | None) -> str | None:
    if roles is not None and len(set(roles)) != len(roles):
        return "roles|同一角色不能重复"
    return None


class UserRequest(Body):
    """POST /admin/users: the password is hashed at once and never answered."""

    username: Username
    name: Name
    password: Password
    roles: Annotated[list[Role], Field(max_length=len(ROLES))]
    hall: Code | None = None
    department: Code | None = None
    employee_no: EmployeeNo | None = Field(None, description="工号（唯一，可不填）")

    @model_validator(mode="after")
    def _roles(self) -> "UserRequest":
        problem = _distinct_roles(self.roles)
        if problem:
            raise ValueError(problem)
        return self


class UserPatch(Body):
    name: Name | None = None
    roles: Annotated[list[Role], Field(max_length=len(ROLES))] | None = None
    hall: Code | None = None
    department: Code | None = None
    active: bool | None = None
    password: Password | None = None
    employee_no: EmployeeNo | None = Field(None, description="工号；null 清除")

    @model_validator(mode="after")
    def _fields(self) -> "UserPatch":
        for name in ("name", "roles", "active", "password"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name}|不能为 null")
        problem = _distinct_roles(self.roles)
        if problem:
            raise ValueError(problem)
        return self


Search = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
ObjectFilter = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Limit = Annotated[int, Field(ge=1, le=200)]


class ListQuery(Query):
    """A console list: ``q`` searches codes and names; ``limit`` and ``offset`` page."""

    q: Search | None = None
    limit: Limit = 20
    offset: Offset = 0


class UserListQuery(ListQuery):
    references: ClassVar[dict[str, str]] = {"hall": "hall"}
    hall: Code | None = None


class AuditQuery(Query):
    """GET /admin/audit: by actor (username), object (``hall:xiqu`` or a prefix: ``user:``), hall dates."""

    references: ClassVar[dict[str, str]] = {"actor": "user"}
    actor: Username | None = None
    object: ObjectFilter | None = None
    from_: ApiDate | None = Field(default=None, alias="from")
    to: ApiDate | None = None
    limit: Limit = 50
    offset: Offset = 0

    @model_validator(mode="after")
    def _span(self) -> "AuditQuery":
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("to|结束日期不能早于开始日期")
        return self


# --- the 五办 item list ---

ITEM_MODES = ("immediate", "online", "once", "agent", "citywide", "bundle")
MATERIAL_FORMS = ("original", "copy", "original_and_copy")
ItemName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SingleLine]
GuideText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Days = Annotated[int, Field(ge=0, le=1000)]


class MaterialBody(Body):
    """One material: ``required`` to be submitted, ``deferrable`` when it may follow later (容缺)."""

    name: ItemName
    form: Literal[MATERIAL_FORMS] = "original"
    count: Annotated[int, Field(ge=1, le=99)] = 1
    required: bool = True
    deferrable: bool = False
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class GuideBody(Body):
    """办事指南: conditions, basis, fee, visits, place, hours, result, delivery and notes."""

    conditions: GuideText = ""
    basis: GuideText = ""
    fee: GuideText = ""
    visits: Annotated[int, Field(ge=0, le=9)] = 0
    place: GuideText = ""
    hours: GuideText = ""
    result: GuideText = ""
    delivery: Annotated[list[Literal["pickup", "mail"]], Field(min_length=1, max_length=2)] = ["pickup"]
    notes: GuideText = ""


Modes = Annotated[list[Literal[ITEM_MODES]], Field(min_length=1, max_length=len(ITEM_MODES))]
Materials = Annotated[list[MaterialBody], Field(max_length=50)]
# 下放: the halls that accept an item (null: every hall).
AcceptingHalls = Annotated[list[Code], Field(max_length=200)]


# 一件事 (主题式 bundles): parts, their order and the questions deciding the optional ones.
BundleParts = Annotated[list[Code], Field(max_length=30)]
BundleDepends = Annotated[dict[Code, Annotated[list[Code], Field(max_length=30)]], Field(max_length=30)]
ChoiceValue = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class ChoiceBody(Body):
    """One answer of a question: the parts it adds to the bundle, and those it removes."""

    value: ChoiceValue
    label: ItemName
    adds: BundleParts = []
    removes: BundleParts = []


class QuestionBody(Body):
    """A question of the bundle's questionnaire (导办问题); its first choice is taken when unanswered."""

    id: ObjectCode
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SingleLine]
    choices: Annotated[list[ChoiceBody], Field(min_length=2, max_length=10)]


Questions = Annotated[list[QuestionBody], Field(max_length=10)]


def bundle_problem(item) -> str | None:
    """Say what is wrong with a bundle's own fields (repeats) as ``field|message``, or None."""
    parts = getattr(item, "parts", None)
    if parts is not None and len(set(parts)) != len(parts):
        return "parts|同一子项不能重复"
    questions = getattr(item, "questions", None) or []
    if len({question.id for question in questions}) != len(questions):
        return "questions|问题编号不能重复"
    for index, question in enumerate(questions):
        values = [choice.value for choice in question.choices]
        if len(set(values)) != len(values):
            return f"questions.{index}.choices|同一问题的选项不能重复"
    return None


def item_problem(item) -> str | None:
    """Say what is wrong with an item's fields as ``field|message``, or None."""
    problem = bundle_problem(item)
    if problem:
        return problem
    if item.modes is not None and len(set(item.modes)) != len(item.modes):
        return "modes|同一办理方式不能重复"
    halls = getattr(item, "halls", None)
    if halls is not None and len(set(halls)) != len(halls):
        return "halls|同一服务大厅不能重复"
    if item.materials is not None:
        names = [material.name for material in item.materials]
        if len(set(names)) != len(names):
            return "materials|同一材料不能重复"
    limits = (item.legal_days, item.promised_days)
    if None not in limits and item.promised_days > item.legal_days:
        return f"promised_days|承诺时限不能超过法定时限（{item.legal_days} 个工作日）"
    return None


class ServiceRequest(Body):
    """POST /admin/services: a new item, kept as a draft until published; ``online``: 可网上办理."""

    code: ObjectCode
    name: ItemName
    department: Code
    queue: Code
    modes: Modes
    legal_days: Days
    promised_days: Days
    materials: Materials = []
    guide: GuideBody | None = None
    online: bool | None = None
    halls: AcceptingHalls | None = None
    parts: BundleParts = []
    depends: BundleDepends = {}
    questions: Questions = []

    @model_validator(mode="after")
    def _item(self) -> "ServiceRequest":
        problem = item_problem(self)
        if problem:
            raise ValueError(problem)
        return self


class ServicePatch(Body):
    """PATCH /admin/services/{code}: any field but ``code``; the change goes to the draft."""

    name: ItemName | None = None
    department: Code | None = None
    queue: Code | None = None
    modes: Modes | None = None
    legal_days: Days | None = None
    promised_days: Days | None = None
    materials: Materials | None = None
    guide: GuideBody | None = None
    online: bool | None = None
    halls: AcceptingHalls | None = None
    parts: BundleParts | None = None
    depends: BundleDepends | None = None
    questions: Questions | None = None

    @model_validator(mode="after")
    def _fields(self) -> "ServicePatch":
        for name in self.model_fields_set - {"halls"}:  # halls null: accepted at every hall
            if getattr(self, name) is None:
                raise ValueError(f"{name}|不能为 null")
        problem = item_problem(self)
        if problem:
            raise ValueError(problem)
        return self


class PublishRequest(Body):
    """POST /admin/services/{code}/publish: the date the new version applies from (today by default)."""

    effective: ApiDate | None = None


class ServiceListQuery(ListQuery):
    """GET /admin/services: ``state`` draft (never published), published, or changed (a draft waits)."""

    state: Literal["draft", "published", "changed"] | None = None
    department: Code | None = None


class ItemSheetForm(BaseModel):
    """multipart/form-data: the item list as exported (described in the OpenAPI spec; read by hand)."""

    content_type: ClassVar[str] = "multipart/form-data"
    file: Annotated[bytes, Field(description="XLSX 工作簿，列同导出文件 An XLSX workbook as exported")]


class CalendarDayRequest(Body):
    """A day of the working-day calendar set by hand: working (调休上班) or not (节假日), and its name."""

    working: bool = Field(description="true：上班（如调休上班）；false：休息（节假日）")
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50), SingleLine] | None = Field(
        default=None, description="名称，如“春节调休上班”"
    )


class PhotoForm(BaseModel):
    """multipart/form-data: a staff photo (read by hand)."""

    content_type: ClassVar[str] = "multipart/form-data"
    file: Annotated[
        bytes, Field(description="JPG 或 PNG 照片，存为不超过 480×600 的 JPEG A JPEG or PNG photo")
    ]


class CalendarFileForm(BaseModel):
    """multipart/form-data: a year's schedule as docs/calendar.md describes (read by hand)."""

    content_type: ClassVar[str] = "multipart/form-data"
    file: Annotated[
        bytes,
        Field(description="JSON：{announced_years: [年份], source: 通知名称, days: [{date, working, name}]}"),
    ]
