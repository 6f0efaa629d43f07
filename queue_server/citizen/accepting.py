"""Which halls accept an item (下放到社区): the item's own list of halls, every hall when it names none.

A ``citywide`` (同城办) item is accepted at every hall of the city whatever its list says.
"""

from queue_server.citizen.items import find_services
from queue_server.citizen.models import ServiceContent
from queue_server.queue.models import Hall
from workflows import case as case_flow


def accepts(hall: Hall, item: ServiceContent) -> bool:
    """Tell whether the hall accepts applications for the item."""
    if item.halls is None or "citywide" in item.modes:
        return True
    return hall.code in item.halls


def hall_services(hall: Hall, mode: str | None = None, department: str | None = None, q: str | None = None):
    """List the published items in effect today that the hall accepts."""
    return [item for item in find_services(mode, department, q) if accepts(hall, item)]


def refusal(hall: Hall, item: ServiceContent) -> str | None:
    """Say why the hall does not accept the item, or None when it does."""
    if accepts(hall, item):
        return None
    return f"{hall.name}不受理该事项，请到可办理的服务大厅申请（{case_flow.MODE_NAMES['citywide']}事项除外）"
