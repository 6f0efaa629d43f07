"""主题式 一件事: which parts an applicant needs, in what order, and every material once (智能导办).

A bundle is an item with mode ``bundle`` and ``parts`` (item codes); ``depends`` orders them
(``{code: [codes it waits for]}``) and ``questions`` decide the optional ones: a part that some choice
``adds`` is needed only when an answer adds it, and a choice may ``remove`` a part. An unanswered
question takes its first choice.
"""

from collections.abc import Iterable

from queue_server.citizen.items import get_service, published_service
from queue_server.citizen.models import ServiceContent, ServiceItem
from queue_server.errors import InvalidRequest
from workflows import case as case_flow


def is_bundle(item: ServiceContent) -> bool:
    """Tell whether an item is a 主题式 bundle (一件事)."""
    return case_flow.BUNDLE in (item.modes or []) and bool(item.parts)


def needed_parts(bundle: ServiceContent, answers: dict | None, field: str = "answers") -> list[str]:
    """Return the codes of the parts the answers need, in the bundle's order; 400 for a bad answer."""
    answers = dict(answers or {})
    questions = {question["id"]: question for question in bundle.questions or []}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            raise InvalidRequest({f"{field}.{key}": f"没有这个问题：{key}"})
        values = [choice["value"] for choice in question["choices"]]
        if value not in values:
            raise InvalidRequest({f"{field}.{key}": f"答案应为其中之一：{'、'.join(map(str, values))}"})
    optional = {
        code for q in questions.values() for choice in q["choices"] for code in choice.get("adds", [])
    }
    needed = set(bundle.parts) - optional
    for key, question in questions.items():
        chosen = answers.get(key, question["choices"][0]["value"])
        choice = next(choice for choice in question["choices"] if choice["value"] == chosen)
        needed |= set(choice.get("adds", []))
        needed -= set(choice.get("removes", []))
    return [code for code in bundle.parts if code in needed]


def waits_for(bundle: ServiceContent, code: str, needed: list[str]) -> list[str]:
    """Return the needed parts a part waits for (an order towards a part not needed is dropped)."""
    return [other for other in (bundle.depends or {}).get(code, []) if other in needed]


def longest_path(bundle: ServiceContent, needed: list[str], days: dict[str, int]) -> int:
    """Return the working days of the longest chain of needed parts, each taking its promised days."""
    finish: dict[str, int] = {}

    def end(code: str) -> int:
        if code not in finish:
            finish[code] = (
                max((end(other) for other in waits_for(bundle, code, needed)), default=0) + days[code]
            )
        return finish[code]

    return max((end(code) for code in needed), default=0)


def cycle_in(depends: dict[str, list[str]]) -> list[str] | None:
    """Return a chain of parts that waits for itself, or None when the order has no circle."""
    state: dict[str, str] = {}

    def visit(code: str, path: list[str]) -> list[str] | None:
        if state.get(code) == "done":
            return None
        if state.get(code) == "open":
            return [*path[path.index(code) :], code]
        state[code] = "open"
        for other in depends.get(code, []):
            found = visit(other, [*path, code])
            if found:
                return found
        state[code] = "done"
        return None

    for code in depends:
        found = visit(code, [])
        if found:
            return found
    return None


def part_items(bundle: ServiceContent) -> dict[str, ServiceItem]:
    """Return the bundle's parts by code, each holding its version in effect."""
    return {code: item for code in bundle.parts if (item := published_service(code)) is not None}


def merged_materials(parts: Iterable[tuple[str, list[dict]]]) -> list[dict]:
    """Return each material of the parts once, with the parts that ask for it (``for``).

    A material is required when any part requires it.
    """
    merged: dict[str, dict] = {}
    for part, materials in parts:
        for material in materials:
            entry = merged.setdefault(material["name"], {**material, "for": []})
            entry["for"].append(part)
            entry["required"] = entry.get("required", True) or material.get("required", True)
    return list(merged.values())


def plan(code: str, answers: dict | None) -> dict:
    """Return the plan of a bundle for these answers: the parts, their order, the time and the materials."""
    bundle = get_service(code)
    if not is_bundle(bundle):
        raise InvalidRequest({"service": f"该事项不是主题式服务（一件事）：{code}"})
    needed = needed_parts(bundle, answers)
    items = part_items(bundle)
    needed = [part for part in needed if part in items]
    steps = [
        {
            "code": part,
            "name": items[part].name,
            "department": items[part].department.code,
            "department_name": items[part].department.name,
            "mode": bundled_mode(items[part], bool(waits_for(bundle, part, needed))),
            "promised_days": items[part].promised_days,
            "waits_for": waits_for(bundle, part, needed),
        }
        for part in needed
    ]
    days = {part: items[part].promised_days for part in needed}
    return {
        "code": bundle.code,
        "name": bundle.name,
        "parts": needed,
        "steps": steps,
        "promised_days": longest_path(bundle, needed, days),
        "materials": merged_materials((part, items[part].materials) for part in needed),
    }


def bundled_mode(part: ServiceContent, waits: bool) -> str:
    """Pick a part's mode: 马上办 when it can be done on the spot, else 一次办 or 同城办."""
    order = ("once", "citywide", "immediate") if waits else ("immediate", "once", "citywide")
    for mode in order:
        if mode in part.modes:
            return mode
    raise InvalidRequest({"service": f"主题事项的子项“{part.name}”不能在窗口受理"})
