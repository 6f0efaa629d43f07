"""The demo hall is made by the administration's operations, acting as the system (issue #14, part 6)."""

import json

from queue_server.accounts.models import AuditEntry
from queue_server.citizen.models import FIRST_EFFECTIVE, ServiceItem, ServiceVersion
from queue_server.demo import DEMO_FILE
from queue_server.extensions import db
from queue_server.queue.models import Hall

DATA = json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def _logged(action: str, obj: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object == obj))
    )


def test_the_demo_is_in_the_audit_log_as_made_by_the_system(app):
    """Did the hall, its queues, windows, items and users each come through an audited operation?"""
    with app.app_context():
        hall = _logged("hall.created", "hall:xiqu")
        assert len(hall) == 1 and hall[0].actor_id is None and hall[0].after["name"] == DATA["hall"]["name"]
        for entry in DATA["queues"]:
            assert len(_logged("queue.created", f"queue:xiqu/{entry['code']}")) == 1, entry["code"]
        for entry in DATA["windows"]:
            (created,) = _logged("window.created", f"window:xiqu/{entry['number']}")
            assert created.after["queues"] == entry["queues"] and created.actor_id is None
        for entry in DATA["users"]:
            (created,) = _logged("user.created", f"user:{entry['username']}")
            assert created.after["roles"] == entry["roles"] and "password" not in created.after
        for entry in DATA["services"]:
            assert len(_logged("service.created", f"service:{entry['code']}")) == 1, entry["code"]
            (published,) = _logged("service.published", f"service:{entry['code']}")
            assert published.after == {"version": 1, "effective": FIRST_EFFECTIVE.isoformat()}


def test_the_demo_items_are_published_as_version_one_with_what_the_file_says(app):
    """Is every demo item version 1, in effect since 2020, without a draft, with its parts and fields?"""
    with app.app_context():
        hall = db.session.scalar(db.select(Hall).where(Hall.code == "xiqu"))
        assert hall.hours == DATA["hall"]["hours"] and hall.opening_hours == []  # tickets around the clock
        queues = {queue.code: queue for queue in hall.queues}
        for entry in DATA["queues"]:
            assert queues[entry["code"]].description == entry["description"]
            assert queues[entry["code"]].avg_service_s == entry["avg_service_s"]
        for entry in DATA["services"]:
            item = db.session.scalar(db.select(ServiceItem).where(ServiceItem.code == entry["code"]))
            assert item.version == 1 and item.draft is None, entry["code"]
            assert item.parts == entry.get("parts", []) and item.materials == entry["materials"]
            (version,) = db.session.scalars(
                db.select(ServiceVersion).where(ServiceVersion.service_id == item.id)
            )
            assert version.effective == FIRST_EFFECTIVE and version.published_by_id is None
            assert version.parts == item.parts and version.promised_days == entry["promised_days"]
