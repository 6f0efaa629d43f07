"""A case's way through its machine, step by step in time, and the 补正 round trip its stages share."""

import random
from datetime import datetime
from typing import TYPE_CHECKING

from queue_server.accounts.models import User
from queue_server.demo_history.rows import Row, step

if TYPE_CHECKING:
    from queue_server.demo_history.world import World

APPLICANT = {"by": "applicant"}


class Story:
    """A case's way through its machine, step by step in time; it stops at the first step after now."""

    def __init__(self, world: "World", case: Row, workflow, at: datetime, rng: random.Random) -> None:
        self.world, self.case, self.workflow, self.last, self.rng = world, case, workflow, at, rng
        self.stopped = False

    def at_workdays(self, workdays: int) -> datetime:
        """Return a moment of office hours that many working days after the last step."""
        return self.world.later(self.last, workdays, self.rng)

    def fire(
        self,
        trigger: str,
        actor: User | None,
        at: datetime,
        note: str | None = None,
        data: dict | None = None,
        actor_row: User | None = None,
        **kwargs,
    ) -> bool:
        """Move the case if the moment has come; return whether it moved."""
        if self.stopped or at > self.world.now:
            self.stopped = True
            return False
        at = max(at, self.last)
        before = self.workflow.fire(self.case, trigger, at=at, actor=actor_row or actor, **kwargs)
        self.case.events.append(step(trigger, before, self.case.state, actor, at, note, data))
        self.last = at
        return True

    def supplement(
        self,
        asker: User,
        at: datetime,
        missing: list[str],
        filer: User | None,
        days: tuple[int, int],
        paused: bool = False,
    ) -> datetime | None:
        """Ask for the missing materials and take them in `days` working days later.

        `filer` hands them in (None: one of the clerks); `paused` keeps the time as a 补正 pause.
        Return when they came, None if the case has not got that far by now.
        """
        case = self.case
        if not self.fire("request_supplement", asker, at, data={"missing": missing}):
            return None
        case.missing = missing
        if paused:
            case.pauses.append({"kind": "supplement", "started_at": at, "ended_at": None})
        if filer is None:
            filer = self.rng.choice(self.world.clerks)
        at = self.at_workdays(self.rng.randint(*days))
        brought = [{"name": name, "original_seen": True, "copies": 1} for name in missing]
        if not self.fire("supplement", filer, at, data={"materials": brought}):
            return None
        if paused:
            case.pauses[-1]["ended_at"] = at
        case.materials = _merged(case.materials, brought)
        case.missing = []
        return at


def some(rng: random.Random, names: list[str]) -> list[str]:
    """Draw one or two of the names (all when there are fewer)."""
    return rng.sample(names, min(len(names), rng.choice((1, 1, 2))))


def _merged(have: list[dict], brought: list[dict]) -> list[dict]:
    merged = {m["name"]: m for m in have}
    merged.update({m["name"]: m for m in brought})
    return list(merged.values())
