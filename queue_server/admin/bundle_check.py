"""Check a bundle's (一件事) definition against the item list: its parts, their order and its questions."""

from sqlalchemy import select

from queue_server.citizen.bundles import cycle_in
from queue_server.citizen.models import ServiceItem
from queue_server.errors import InvalidRequest
from queue_server.extensions import db
from workflows import case as case_flow

# A part is taken in at the comprehensive window in one of these modes.
WINDOW_MODES = {"once", "citywide", "immediate"}


def check_bundle(content: dict) -> None:
    """Refuse (400 naming the field) parts that are unknown or bundles, a circular order, bad questions."""
    modes = content.get("modes") or []
    parts = list(content.get("parts") or [])
    depends = content.get("depends") or {}
    questions = content.get("questions") or []
    if case_flow.BUNDLE not in modes:
        if parts or depends or questions:
            field = "parts" if parts else ("depends" if depends else "questions")
            raise InvalidRequest(
                {field: "只有主题式服务（一件事，办理方式 bundle）才有子项、先后顺序和导办问题"}
            )
        return
    if modes != [case_flow.BUNDLE]:
        raise InvalidRequest({"modes": "主题式服务（一件事）不能兼有其他办理方式"})
    if len(parts) < 2:
        raise InvalidRequest({"parts": "一件事至少包含两个事项"})
    items = {
        item.code: item for item in db.session.scalars(select(ServiceItem).where(ServiceItem.code.in_(parts)))
    }
    for index, code in enumerate(parts):
        item = items.get(code)
        if item is None:
            raise InvalidRequest({f"parts.{index}": f"事项不存在：{code}"})
        if item.parts or case_flow.BUNDLE in item.modes:
            raise InvalidRequest({f"parts.{index}": f"“{item.name}”本身是一件事，不能作为子项"})
        if not WINDOW_MODES & set(item.modes):
            raise InvalidRequest(
                {f"parts.{index}": f"“{item.name}”不能在综合窗口受理（须马上办、一次办或同城办）"}
            )
    for code, waits in depends.items():
        if code not in parts:
            raise InvalidRequest({f"depends.{code}": f"不是本事项的子项：{code}"})
        for index, other in enumerate(waits):
            if other not in parts:
                raise InvalidRequest({f"depends.{code}.{index}": f"不是本事项的子项：{other}"})
            if other == code:
                raise InvalidRequest({f"depends.{code}.{index}": "子项不能等待自己"})
    cycle = cycle_in(depends)
    if cycle:
        raise InvalidRequest({"depends": "先后顺序成环：" + " → ".join(cycle)})
    for q_index, question in enumerate(questions):
        for c_index, choice in enumerate(question["choices"]):
            for key in ("adds", "removes"):
                for index, code in enumerate(choice.get(key) or []):
                    if code not in parts:
                        field = f"questions.{q_index}.choices.{c_index}.{key}.{index}"
                        raise InvalidRequest({field: f"不是本事项的子项：{code}"})
