"""The city of halls (三级联动): district halls, their community centres and the stations under those.

A hall's ``parent`` is the hall one level up (CONTRACT.md, "A city of halls"); these helpers walk the
tree. A city has tens of halls, so the tree is read whole, in one small query, and walked in Python.
"""

from collections import defaultdict

from sqlalchemy import select

from queue_server.extensions import db
from queue_server.queue.models import Hall


def _parents() -> dict[int, int | None]:
    return {row.id: row.parent_id for row in db.session.execute(select(Hall.id, Hall.parent_id))}


def subtree_ids(hall_id: int) -> list[int]:
    """Return the ids of the hall and of every hall below it, the hall first."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for child, parent in _parents().items():
        children[parent].append(child)
    found, todo = [], [hall_id]
    while todo:
        current = todo.pop(0)
        if current in found:
            continue
        found.append(current)
        todo.extend(sorted(children[current]))
    return found


def is_below(hall_id: int | None, ancestor_id: int | None) -> bool:
    """Tell whether the hall lies strictly below the ancestor in the tree."""
    if hall_id is None or ancestor_id is None:
        return False
    parents = _parents()
    seen = set()
    current = parents.get(hall_id)
    while current is not None and current not in seen:
        if current == ancestor_id:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def district_id(hall_id: int | None) -> int | None:
    """Return the district hall at the top of the hall's branch (the hall itself for a district)."""
    if hall_id is None:
        return None
    parents = _parents()
    current, seen = hall_id, set()
    while parents.get(current) is not None and current not in seen:
        seen.add(current)
        current = parents[current]
    return current


def ordered(halls: list[Hall]) -> list[Hall]:
    """Order halls as a tree is read: each district, then its communities, each followed by its stations;
    halls of one level in the order they were made (the installation's first hall first)."""
    by_parent: dict[int | None, list[Hall]] = defaultdict(list)
    ids = {hall.id for hall in halls}
    for hall in halls:
        by_parent[hall.parent_id if hall.parent_id in ids else None].append(hall)
    result: list[Hall] = []

    def walk(parent_id: int | None) -> None:
        for hall in sorted(by_parent[parent_id], key=lambda h: h.id):
            result.append(hall)
            walk(hall.id)

    walk(None)
    return result
