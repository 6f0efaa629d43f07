"""The names screens show for states, triggers and modes, read from the workflows (GET /labels)."""

from flask import Blueprint
from pydantic import BaseModel, Field

from queue_server.api.spec import operation
from workflows import case as case_flow
from workflows import ticket as ticket_flow

bp = Blueprint("labels", __name__)


class LabelsOut(BaseModel):
    """The zh-CN names of case states and triggers, modes, ticket states and triggers, §45 reasons."""

    case_states: dict[str, str] = Field(description="办件状态名称 Case state names, keyed by state")
    case_triggers: dict[str, str] = Field(description="办件操作名称 Case trigger names")
    modes: dict[str, str] = Field(description="办理方式名称 Mode names (五办 and 主题式服务)")
    ticket_states: dict[str, str] = Field(description="号票状态名称 Ticket state names")
    ticket_triggers: dict[str, str] = Field(description="号票操作名称 Ticket trigger names")
    suspend_kinds: dict[str, str] = Field(
        description="中止原因名称（行政许可法第四十五条） Suspension reasons"
    )


LABELS = LabelsOut(
    case_states={state: case_flow.STATE_NAMES[state] for state in case_flow.STATES},
    case_triggers=dict(case_flow.TRIGGER_NAMES),
    modes=dict(case_flow.MODE_NAMES),
    ticket_states={state: ticket_flow.STATE_NAMES[state] for state in ticket_flow.STATES},
    ticket_triggers=dict(ticket_flow.TRIGGER_NAMES),
    suspend_kinds=dict(case_flow.SUSPEND_KINDS),
)


@bp.get("/labels")
@operation(limit="RATELIMIT_PUBLIC", answers={200: LabelsOut})
def labels():
    """状态、操作与办理方式的名称 Names of states, triggers and modes"""
    return LABELS
