"""The diagrams in docs/workflows/: current with the definitions, one edge per transition."""

import re

import pytest

from workflows import case, diagrams, ticket

REGENERATE = "docs/workflows/ is out of date: run `python -m workflows.diagrams` and commit the result"
EDGE = re.compile(r"^\s*(\w+) --> (\w+): (\w+) ")

MACHINES = {f"case-{mode}-v{version}": w for (mode, version), w in case.DEFINITIONS.items()}
MACHINES[f"ticket-v{ticket.VERSION}"] = ticket


def _drawn_edges(text: str) -> set[tuple[str, str, str]]:
    return {match.groups() for line in text.splitlines() if (match := EDGE.match(line))}


def test_committed_diagrams_are_current(tmp_path):
    """Do the committed files equal what this process draws (so the order is stable), with none left over?"""
    committed_dir = diagrams.DOCS_DIR / "workflows"
    fresh = {path.name: path.read_text(encoding="utf-8") for path in diagrams.write_all(tmp_path)}
    committed = {path.name: path.read_text(encoding="utf-8") for path in committed_dir.glob("*.md")}
    assert sorted(committed) == sorted(fresh), REGENERATE
    for name, text in fresh.items():
        assert committed[name] == text, f"{name}: {REGENERATE}"


@pytest.mark.parametrize("name", list(MACHINES))
def test_every_transition_is_an_edge(name):
    """Is every (source, dest, trigger) of the definition drawn as an edge, and nothing else?"""
    definition = MACHINES[name]
    is_case = isinstance(definition, case.CaseWorkflow)
    expected = set()
    for t in definition.transitions if is_case else definition.TRANSITIONS:
        for source in [t["source"]] if isinstance(t["source"], str) else t["source"]:
            expected.add((source, source if t["dest"] == "=" else t["dest"], t["trigger"]))
    assert _drawn_edges(diagrams.mermaid(definition)) == expected


@pytest.mark.parametrize("mode", case.MODES)
def test_case_diagram_marks_start_end_roles_and_stopped_clock(mode):
    """Does a case diagram show its initial and final states, the roles on each edge, the stopped clock?"""
    definition = case.definition(mode)
    text = diagrams.mermaid(definition)
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert lines[1] == f"    [*] --> {definition.initial}"
    for final in ("not_accepted", "closed", "withdrawn"):
        assert f"    {final} --> [*]" in lines
    for paused in ("awaiting_supplement", "suspended"):
        assert any(line.startswith(f"    note right of {paused} : ") for line in lines)
    assert "    reviewing --> awaiting_supplement: request_supplement 一次性告知补正 [approver]" in lines
    assert "    delivered --> closed: close 归档 [clerk, supervisor]" in lines


def test_ticket_diagram_names_its_triggers():
    """Does the ticket diagram start waiting, end in its final states and name the self-loop recall?"""
    lines = diagrams.mermaid(ticket).splitlines()
    assert lines[1] == "    [*] --> waiting"
    assert "    called --> called: recall 重呼" in lines
    assert {line for line in lines if line.endswith("--> [*]")} == {
        "    done --> [*]",
        "    cancelled --> [*]",
        "    expired --> [*]",
    }


def test_index_lists_every_diagram_and_the_command(tmp_path):
    """Does docs/workflows/README.md link every diagram and say how to regenerate them?"""
    paths = diagrams.write_all(tmp_path)
    index = (tmp_path / "workflows" / "README.md").read_text(encoding="utf-8")
    assert "python -m workflows.diagrams" in index
    for path in paths:
        if path.name != "README.md":
            assert f"]({path.name})" in index
    assert {path.stem for path in paths} == set(MACHINES) | {"README"}
