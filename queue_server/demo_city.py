"""The demo city (三级联动): 西区's pilot communities and stations, and a second district hall, 东区.

Loaded after the demo hall ``xiqu`` (``queue_server.demo.load_demo``) from ``demo/city.json``, through
the administration operations the console uses (halls, departments, queues, windows, staff), acting as
the system (``audit.SYSTEM``), as ``load_demo`` does. Each object is created only when missing, so
loading twice changes nothing. The items the communities accept (社区事项清单) are marked on the demo
items' lists of halls.
"""

import json
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from queue_server.accounts.models import User
from queue_server.admin import halls as hall_admin
from queue_server.admin import staff
from queue_server.admin.audit import SYSTEM
from queue_server.admin.schemas import (
    DepartmentRequest,
    HallRequest,
    QueueRequest,
    UserRequest,
    WindowRequest,
)
from queue_server.citizen.models import ServiceItem, ServiceVersion
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, Queue, Window
from queue_server.validation import parse

CITY_FILE = Path(__file__).parent / "demo" / "city.json"


def load_city(path: Path = CITY_FILE) -> bool:
    """Create the demo city's halls, departments and staff that are missing; return whether any was."""
    data = json.loads(path.read_text(encoding="utf-8"))
    actor = SYSTEM
    if db.session.scalar(select(Hall.id).where(Hall.code == "xiqu")) is None:
        return False  # the city hangs under the demo hall
    created = False
    for entry in data["departments"]:
        if db.session.scalar(select(Department.id).where(Department.code == entry["code"])) is None:
            hall_admin.create_department(
                actor, parse(DepartmentRequest, {k: entry[k] for k in ("code", "name")})
            )
            created = True
    for entry in data["halls"]:
        created |= _load_hall(actor, entry)
    for entry in data["departments"]:
        # 属地: a district's departments decide its cases; ``line`` names the 西区 department's code.
        department = db.session.scalar(select(Department).where(Department.code == entry["code"]))
        department.hall_id = db.session.scalar(select(Hall.id).where(Hall.code == entry["district"]))
        department.line = entry["line"]
    password = current_app.config["DEMO_PASSWORD"]
    for entry in data["users"]:
        if db.session.scalar(select(User.id).where(User.username == entry["username"])) is None:
            # The demo password may be shorter than the console asks for: the body is built, not parsed.
            staff.create_user(actor, UserRequest.model_construct(**entry, password=password))
            created = True
    for group in data["accepting"]:
        _mark_accepting(group["items"], group["halls"])
    db.session.flush()
    return created


def _load_hall(actor, entry: dict) -> bool:
    """Create a hall with its queues and windows, each when missing; return whether anything was."""
    created = False
    hall = db.session.scalar(select(Hall).where(Hall.code == entry["code"]))
    if hall is None:
        body = {key: entry[key] for key in ("code", "name", "address", "phone", "level", "parent")}
        # Tickets around the clock, as in the demo hall (CONTRACT.md); the text citizens read is real.
        hall = hall_admin.create_hall(actor, parse(HallRequest, {**body, "hours": None}))
        hall.hours = entry["hours_text"]
        created = True
    for queue_entry in entry["queues"]:
        queue = db.session.scalar(
            select(Queue).where(Queue.hall_id == hall.id, Queue.code == queue_entry["code"])
        )
        if queue is None:
            fields = {key: queue_entry[key] for key in ("code", "name", "prefix")}
            queue = hall_admin.create_queue(actor, hall, parse(QueueRequest, fields))
            queue.avg_service_s = queue_entry["avg_service_s"]
            queue.description = queue_entry["description"]
            created = True
    for window_entry in entry["windows"]:
        taken = select(Window.id).where(Window.hall_id == hall.id, Window.number == window_entry["number"])
        if db.session.scalar(taken) is None:
            hall_admin.create_window(actor, hall, parse(WindowRequest, window_entry))
            created = True
    db.session.flush()
    return created


def _mark_accepting(codes: list[str], halls: list[str]) -> None:
    """Name the halls that accept the items, in the item and its versions, where nobody named any yet."""
    for item in db.session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes))):
        if item.halls is not None:
            continue
        item.halls = list(halls)
        for version in db.session.scalars(select(ServiceVersion).where(ServiceVersion.service_id == item.id)):
            if version.halls is None:
                version.halls = list(halls)
