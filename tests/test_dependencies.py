"""The dependency locks: every package pinned with hashes, and in step with the hand-written .in files."""

import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {
    "requirements.in": "requirements.txt",
    "requirements-dev.in": "requirements-dev.txt",
    "requirements-tools.in": "requirements-tools.txt",
}


def direct_pins(path: Path) -> dict[str, str]:
    """Return the name → version pins of an .in file, following its -r includes."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-c "):
            continue
        if line.startswith("-r "):
            pins.update(direct_pins(path.parent / line[3:].strip()))
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{path.name}: pin {line!r} with =="
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """Return the name → (version, number of hashes) of a compiled lock; refuse options in it."""
    entries = re.split(r"\n(?=\S)", path.read_text())
    found = {}
    for entry in entries:
        body = "\n".join(line for line in entry.splitlines() if not line.lstrip().startswith("#")).strip()
        if not body:
            continue
        option = body.splitlines()[0]
        assert not body.startswith("-"), f"{path.name}: an option in a lock ({option}): recompile it"
        requirement = Requirement(body.split(" \\", 1)[0].split(";", 1)[0].strip())
        found[canonicalize_name(requirement.name)] = (
            next(iter(requirement.specifier)).version,
            body.count("--hash=sha256:"),
        )
    return found


@pytest.mark.parametrize("source", sorted(LOCKS))
def test_lock_pins_every_direct_dependency_with_hashes(source):
    """Is every pin of the .in file in its lock at the same version, and every locked package hashed?"""
    pins, lock = direct_pins(ROOT / source), locked(ROOT / LOCKS[source])
    stale = {
        name: (version, lock.get(name, ("missing",))[0])
        for name, version in pins.items()
        if lock.get(name, (None,))[0] != version
    }
    assert not stale, f"{LOCKS[source]} is not compiled from {source} (.in, lock): {stale}; run pip-compile"
    unhashed = sorted(name for name, (_, hashes) in lock.items() if hashes == 0)
    assert not unhashed, f"{LOCKS[source]}: packages without a hash: {unhashed}"


def test_dev_lock_pins_the_runtime_as_the_runtime_lock_does():
    """Does requirements-dev.txt hold every runtime package at the runtime lock's version?"""
    runtime, dev = locked(ROOT / "requirements.txt"), locked(ROOT / "requirements-dev.txt")
    differ = {
        name: (version, dev.get(name, ("missing",))[0])
        for name, (version, _) in runtime.items()
        if dev.get(name, (None,))[0] != version
    }
    assert not differ, f"runtime packages differ between the locks: {differ}"
