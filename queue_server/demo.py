"""The demo hall: 中山市西区行政服务中心 with its queues, windows, departments, items and staff.

Everything is made by the operations the administration API calls (``queue_server/admin/``: halls,
staff, services), acting as the system (``audit.SYSTEM``, logged with no user): the demo passes the
same checks and leaves the same audit trail as a hall set up in the console. What those operations do
not take is set on the rows afterwards: the opening hours text shown to citizens, a queue's
description and average service time, and any key of an item the item model has but the API does not
take. The items are published as version 1, in effect since ``FIRST_EFFECTIVE``.
"""

import json
from pathlib import Path

from flask import current_app

from queue_server.accounts.models import User
from queue_server.admin import halls, services, staff
from queue_server.admin.audit import SYSTEM
from queue_server.admin.schemas import (
    DepartmentRequest,
    HallRequest,
    QueueRequest,
    ServiceRequest,
    UserRequest,
    WindowRequest,
)
from queue_server.citizen.models import FIRST_EFFECTIVE, ServiceItem
from queue_server.demo_city import load_city
from queue_server.demo_consultations import load_consultations
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall

DEMO_FILE = Path(__file__).parent / "demo" / "xiqu.json"


def _request(model, entry: dict, **given):
    """Validate the keys of an entry the request model takes (and ``given``) as that request."""
    return model.model_validate({**{k: v for k, v in entry.items() if k in model.model_fields}, **given})


def _extras(row, entry: dict, model) -> None:
    """Set on the row the keys of the entry the request model does not take but the row has."""
    for key, value in entry.items():
        if key not in model.model_fields and hasattr(type(row), key):
            setattr(row, key, value)


def _hall(entry: dict) -> Hall:
    """Create the hall; a text ``hours`` is what citizens read, tickets are issued around the clock."""
    text = entry.get("hours") if isinstance(entry.get("hours"), str) else None
    hall = halls.create_hall(
        SYSTEM, _request(HallRequest, entry, hours=None if text is not None else entry.get("hours"))
    )
    if text is not None:
        hall.hours = text
    return hall


def _service(entry: dict) -> None:
    """Create the item as a draft and publish it as version 1, in effect since long ago."""
    item = services.create_item(SYSTEM, _request(ServiceRequest, entry))
    version = services.publish_draft(SYSTEM, item, FIRST_EFFECTIVE)
    for row in (item, version):
        _extras(row, entry, ServiceRequest)


def _user(hall: Hall, entry: dict, password: str) -> None:
    """Create the user in the hall; the demo password may be shorter than the API accepts."""
    req = _request(UserRequest, entry, hall=entry.get("hall", hall.code), password="x" * 8)
    user = staff.create_user(SYSTEM, req.model_copy(update={"password": password}))
    _extras(user, entry, UserRequest)


def load_demo(path: Path = DEMO_FILE) -> bool:
    """Create the demo hall and everything in it; return False if the hall already exists."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if db.session.scalar(db.select(Hall).where(Hall.code == data["hall"]["code"])) is not None:
        return False

    hall = _hall(data["hall"])
    for entry in data["departments"]:
        if db.session.scalar(db.select(Department.id).where(Department.code == entry["code"])) is None:
            halls.create_department(SYSTEM, _request(DepartmentRequest, entry))
    for entry in data["queues"]:
        _extras(halls.create_queue(SYSTEM, hall, _request(QueueRequest, entry)), entry, QueueRequest)
    for entry in data["windows"]:
        halls.create_window(SYSTEM, hall, _request(WindowRequest, entry))
    # Single items first: a bundle (一件事) names its parts.
    for entry in sorted(data["services"], key=lambda entry: bool(entry.get("parts"))):
        if db.session.scalar(db.select(ServiceItem.id).where(ServiceItem.code == entry["code"])) is None:
            _service(entry)
    password = current_app.config["DEMO_PASSWORD"]
    for entry in data["users"]:
        if db.session.scalar(db.select(User.id).where(User.username == entry["username"])) is None:
            _user(hall, entry, password)
    db.session.flush()
    load_city()  # the demo city around the hall: queue_server/demo_city.py
    load_consultations()  # 在线咨询: the guides' 常见问题 and an open question (docs/consultations.md)
    return True
