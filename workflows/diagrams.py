"""Mermaid diagrams of the state machines, drawn from their definitions into ``docs/workflows/``.

Run ``python -m workflows.diagrams`` after changing a machine; ``tests/workflows/test_diagrams.py``
fails while the committed diagrams differ from what the definitions draw.
"""

import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from workflows import case, ticket
from workflows.case import CaseWorkflow

DOCS_DIR = Path(__file__).resolve().parent.parent / "docs"

# Both machines' triggers, by their Chinese names (the names live beside each machine).
TRIGGER_NAMES = {**case.TRIGGER_NAMES, **ticket.TRIGGER_NAMES}
MODE_NAMES = case.MODE_NAMES

PAUSED_NOTE = "计时暂停 / clock stopped"


@dataclass(frozen=True)
class Chart:
    """What a diagram shows of one machine."""

    initial: str
    transitions: list[dict]
    final_states: set[str]
    paused_states: set[str]
    with_roles: bool


def _chart(definition: CaseWorkflow | ModuleType) -> Chart:
    """Read a case definition, or the ticket module, as a chart."""
    if isinstance(definition, CaseWorkflow):
        states = set(definition.states)
        return Chart(
            initial=definition.initial,
            transitions=definition.transitions,
            final_states=case.FINAL_STATES & states,
            paused_states=case.PAUSED_STATES & states,
            with_roles=True,
        )
    # Tickets are created waiting; who fires their triggers is decided by the routes, not the machine.
    return Chart(
        initial=definition.STATES[0],
        transitions=definition.TRANSITIONS,
        final_states=set(definition.FINAL_STATES),
        paused_states=set(),
        with_roles=False,
    )


def edges(definition: CaseWorkflow | ModuleType) -> list[tuple[str, str, str]]:
    """List the (source, dest, trigger) edges of a machine once each, in definition order."""
    found: list[tuple[str, str, str]] = []
    for transition in _chart(definition).transitions:
        sources = transition["source"]
        for source in [sources] if isinstance(sources, str) else sources:
            dest = source if transition["dest"] == "=" else transition["dest"]
            edge = (source, dest, transition["trigger"])
            if edge not in found:
                found.append(edge)
    return found


def _label(trigger: str, source: str, with_roles: bool) -> str:
    label = f"{trigger} {TRIGGER_NAMES[trigger]}"
    if with_roles:
        label += f" [{', '.join(case.roles_for(trigger, source))}]"
    return label


def mermaid(definition: CaseWorkflow | ModuleType) -> str:
    """Draw a case definition, or the ticket machine (the ``workflows.ticket`` module), as mermaid."""
    chart = _chart(definition)
    lines = ["stateDiagram-v2", f"    [*] --> {chart.initial}"]
    drawn = edges(definition)
    for source, dest, trigger in drawn:
        lines.append(f"    {source} --> {dest}: {_label(trigger, source, chart.with_roles)}")
    # Each state once, in order of first appearance, so the output is stable.
    states = list(dict.fromkeys([chart.initial, *(state for edge in drawn for state in edge[:2])]))
    lines += [f"    {s} --> [*]" for s in states if s in chart.final_states]
    lines += [f"    note right of {s} : {PAUSED_NOTE}" for s in states if s in chart.paused_states]
    return "\n".join(lines) + "\n"


def _page(heading: str, intro: str, definition: CaseWorkflow | ModuleType) -> str:
    return f"# {heading}\n\n{intro}\n\n```mermaid\n{mermaid(definition)}```\n"


def _case_page(workflow: CaseWorkflow) -> str:
    mode, version = workflow.mode, workflow.version
    return _page(
        f"办件状态机：{MODE_NAMES[mode]}（{mode}）v{version}{_flavour(workflow)} / "
        f"Case machine: {mode}, version {version}",
        f"初始状态 Initial state: `{workflow.initial}`. 边上标注触发器、中文名称及可触发的角色 "
        "(each edge: trigger, its Chinese name, the roles that may fire it; admin holds every role).",
        workflow,
    )


def _flavour(workflow: CaseWorkflow) -> str:
    """Name the online flavour of a machine whose mode is not 网上办 itself (一件事 applied online)."""
    return "（网上申请）" if workflow.initial == "draft" and workflow.mode != "online" else ""


def _ticket_page() -> str:
    return _page(
        f"号票状态机 v{ticket.VERSION} / Ticket machine, version {ticket.VERSION}",
        "边上标注触发器及中文名称 (each edge: trigger and its Chinese name).",
        ticket,
    )


def _index(names: list[str]) -> str:
    lines = [
        "# 状态机图 / State machine diagrams",
        "",
        "由 `workflows/case.py` 与 `workflows/ticket.py` 中的定义生成，请勿手工编辑。",
        (
            "Generated from the definitions in `workflows/case.py` and `workflows/ticket.py`; "
            "do not edit by hand."
        ),
        "After changing a machine, regenerate them from the repository root with:",
        "",
        "```sh",
        "python -m workflows.diagrams",
        "```",
        "",
        "`tests/workflows/test_diagrams.py` fails while these files are out of date.",
        "",
        "| 图 diagram | 状态机 machine |",
        "|---|---|",
    ]
    for (mode, version), name in zip(case.DEFINITIONS, names, strict=False):
        flavour = _flavour(case.DEFINITIONS[(mode, version)])
        lines.append(f"| [{name}]({name}) | 办件 case: {MODE_NAMES[mode]}{flavour} `{mode}`, v{version} |")
    lines.append(f"| [{names[-1]}]({names[-1]}) | 号票 ticket, v{ticket.VERSION} |")
    return "\n".join(lines) + "\n"


def write_all(docs_dir: Path = DOCS_DIR) -> list[Path]:
    """Write every machine's diagram and their index into ``docs_dir/workflows``; return the paths."""
    pages = {f"case-{mode}-v{version}.md": _case_page(w) for (mode, version), w in case.DEFINITIONS.items()}
    pages[f"ticket-v{ticket.VERSION}.md"] = _ticket_page()
    pages["README.md"] = _index(list(pages))
    out = Path(docs_dir) / "workflows"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_DIR):
        print(path)
