"""The demo hall: 中山市西区行政服务中心 with its queues, windows, departments, items and staff."""

import json
from pathlib import Path

from flask import current_app

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.citizen.models import FIRST_EFFECTIVE, ServiceItem, ServiceVersion
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, Queue, Window

DEMO_FILE = Path(__file__).parent / "demo" / "xiqu.json"


def load_demo(path: Path = DEMO_FILE) -> bool:
    """Create the demo hall and everything in it; return False if the hall already exists."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if db.session.scalar(db.select(Hall).where(Hall.code == data["hall"]["code"])) is not None:
        return False

    hall = Hall(**data["hall"])
    db.session.add(hall)
    departments = {}
    for entry in data["departments"]:
        department = db.session.scalar(db.select(Department).where(Department.code == entry["code"]))
        departments[entry["code"]] = department or Department(code=entry["code"], name=entry["name"])
    queues = {entry["code"]: Queue(hall=hall, **entry) for entry in data["queues"]}
    db.session.add_all(queues.values())
    db.session.add_all(
        Window(
            hall=hall,
            number=entry["number"],
            name=entry["name"],
            status="closed",
            queues=[queues[code] for code in entry["queues"]],
        )
        for entry in data["windows"]
    )
    for entry in data["services"]:
        if db.session.scalar(db.select(ServiceItem).where(ServiceItem.code == entry["code"])) is None:
            content = dict(
                name=entry["name"],
                department=departments[entry["department"]],
                queue_code=entry["queue"],
                modes=entry["modes"],
                legal_days=entry["legal_days"],
                promised_days=entry["promised_days"],
                materials=entry["materials"],
                guide=entry["guide"],
                parts=entry.get("parts", []),
            )
            item = ServiceItem(code=entry["code"], version=1, **content)
            # The demo's items are published: their version 1, in effect since long ago.
            db.session.add(
                ServiceVersion(
                    item=item, number=1, effective=FIRST_EFFECTIVE, published_at=clock.now(), **content
                )
            )
    password = current_app.config["DEMO_PASSWORD"]
    for entry in data["users"]:
        if db.session.scalar(db.select(User).where(User.username == entry["username"])) is not None:
            continue
        user = User(
            username=entry["username"],
            name=entry["name"],
            roles=entry["roles"],
            hall=hall,
            department=departments.get(entry["department"]) if entry["department"] else None,
        )
        user.set_password(password)
        db.session.add(user)
    db.session.flush()
    return True
