"""What the figures of a hall (五办统计, ``stats.HallFigures``) and the staffing what-if answer."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, computed_field

from queue_server.api.answers import from_path
from queue_server.supervision.answers import Mode, SupervisionAnswer, bad_ones, share_on_time


def _mean_seconds(values: list[float]) -> int | None:
    return round(sum(values) / len(values)) if values else None


class TicketFigures(SupervisionAnswer):
    issued: int
    served: int
    no_show: int
    avg_wait_s: Annotated[int | None, BeforeValidator(_mean_seconds)] = Field(validation_alias="waits")
    avg_service_s: Annotated[int | None, BeforeValidator(_mean_seconds)] = Field(validation_alias="services")


class CaseFigures(SupervisionAnswer):
    by_mode: dict[Mode, int]
    decided: int
    on_time: int
    citywide: int = Field(
        description="同城办：异地受理、异地审批或异地领取的办件 Accepted, decided or collected elsewhere"
    )
    no_visit: int = Field(
        description="不见面：未到现场即办结的网上办件 Online cases finished without a visit"
    )

    @computed_field
    @property
    def created(self) -> int:
        return sum(self.by_mode.values())

    on_time_rate = share_on_time(
        description="期内办结中按时办结的比例 Share of the cases decided in the period that were on time"
    )


def _average_grade(grades: list[int]) -> float | None:
    return round(sum(grades) / len(grades), 2) if grades else None


def _by_grade(grades: list[int]) -> dict[str, int]:
    return {str(grade): grades.count(grade) for grade in range(1, 6)}


class RatingFigures(SupervisionAnswer):
    count: Annotated[int, BeforeValidator(len)] = Field(validation_alias="grades")
    average: Annotated[float | None, BeforeValidator(_average_grade)] = Field(validation_alias="grades")
    bad: Annotated[int, BeforeValidator(bad_ones)] = Field(validation_alias="grades")
    by_grade: Annotated[dict[str, int], BeforeValidator(_by_grade)] = Field(validation_alias="grades")


class StatsGroupOut(SupervisionAnswer):
    key: str | None = Field(
        description="模式、队列、部门、大厅代码，窗口号或用户名；null 为未关联 "
        "Mode, queue, department or hall code, window number or username; "
        "null: not attributable"
    )
    name: str
    tickets: TicketFigures = Field(validation_alias="figures")
    cases: CaseFigures = Field(validation_alias="figures")
    ratings: RatingFigures = Field(validation_alias="figures")


class StatsOut(SupervisionAnswer):
    # ``groups`` is left out of the answer without group_by, so it is not required in the document.
    model_config = ConfigDict(
        serialize_by_alias=True, json_schema_serialization_defaults_required=False, json_schema_extra=None
    )

    hall: str = from_path("hall", "code")
    hall_name: str = from_path("hall", "name")
    from_: date = Field(validation_alias="start", serialization_alias="from")
    to: date = Field(validation_alias="end")
    group_by: Literal["mode", "queue", "window", "clerk", "department", "hall"] | None
    include: Literal["children"] | None = Field(
        None, description="children：本大厅及下级大厅汇总 The hall and every hall below it, summed"
    )
    halls: list[str] = Field(
        default_factory=list, description="所统计的服务大厅 The codes of the halls counted"
    )
    tickets: TicketFigures = Field(validation_alias="total")
    cases: CaseFigures = Field(validation_alias="total")
    ratings: RatingFigures = Field(validation_alias="total")
    groups: list[StatsGroupOut] | None = Field(
        None, exclude_if=lambda groups: groups is None, description="仅在指定 group_by 时 Only with group_by"
    )


class FileAnswer(dict):
    """An answer object written in full (several media types) that names the model of its JSON.

    ``build_spec`` collects the models of an answer from its ``__args__`` (as of ``list[Model]``), so
    the model the JSON refers to is among the document's components.
    """

    def __init__(self, model: type[SupervisionAnswer], description: str, files: dict[str, dict]):
        super().__init__(
            description=description,
            content={
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}},
                **files,
            },
        )
        self.__args__ = (model,)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STATS_FILE = FileAnswer(
    StatsOut,
    "统计数据：JSON，或 format=csv / xlsx 时为文件 The figures, or a file with format=csv or xlsx",
    {"text/csv": {"schema": {"type": "string"}}, XLSX: {"schema": {"type": "string", "format": "binary"}}},
)


class StaffingHour(SupervisionAnswer):
    hour: int
    arrivals_per_hour: float
    mean_service_s: int
    load: float = Field(description="话务量（爱尔兰） Offered load in erlangs")
    windows_needed: int
    p_within_target: float
    mean_wait_s: int | None


class StaffingOut(SupervisionAnswer):
    model_config = ConfigDict(serialize_by_alias=True)

    hall: str
    queue: str
    queue_name: str
    target_s: int
    percentile: float
    days: int
    from_: str = Field(alias="from")
    to: str
    open_days: int
    windows: int
    mean_service_s: int
    hours: list[StaffingHour]
