"""Keep the 五办 item list: drafts edited by administrators, published as numbered versions.

An item starts as a draft (not public). Publishing makes version n + 1 with its date of effect; the
public list and guide show the newest version in effect, and a case keeps the version it was created
under. Every change is recorded in the audit log. Operations flush, never commit.
"""

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from queue_server.accounts import policy
from queue_server.admin import audit
from queue_server.admin.bundle_check import check_bundle
from queue_server.admin.lists import Page, containing, page_of
from queue_server.calendar import clock
from queue_server.citizen.items import take_content
from queue_server.citizen.models import CONTENT_FIELDS, ServiceItem, ServiceVersion
from queue_server.errors import Conflict, InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.queue.models import Department, Hall, Queue
from queue_server.validation import referenced


def get_item(code: str) -> ServiceItem:
    """Return the item with this code, published or not, or answer 404."""
    item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == code))
    if item is None:
        raise NotFound(f"事项不存在：{code}", {"service": code})
    return item


def newest_version(item: ServiceItem) -> ServiceVersion | None:
    """Return the item's newest published version (in effect or not yet), or None."""
    return db.session.scalar(
        select(ServiceVersion)
        .where(ServiceVersion.service_id == item.id)
        .order_by(ServiceVersion.number.desc())
    )


def item_view(item: ServiceItem, newest: ServiceVersion | None = None, look_up: bool = True) -> dict:
    """Describe an item as the console edits it: the draft if one waits, else its newest version."""
    if newest is None and look_up:
        newest = newest_version(item)
    content = {"halls": None, **(dict(item.draft) if item.draft is not None else newest.content())}
    state = "draft" if newest is None else ("changed" if item.draft is not None else "published")
    return {
        "code": item.code,
        **content,
        "online": "online" in content["modes"],
        "state": state,
        "version": newest.number if newest else None,
        "effective": newest.effective if newest else None,
        "draft_updated_at": item.draft_updated_at if item.draft is not None else None,
    }


def list_items(actor, query) -> Page:
    """Return the items (drafts included), searched by code or name, filtered by state and department."""
    policy.require(actor, "service.read")
    newest_number = (
        select(ServiceVersion.service_id, func.max(ServiceVersion.number).label("number"))
        .group_by(ServiceVersion.service_id)
        .subquery()
    )
    stmt = select(ServiceItem).outerjoin(newest_number, newest_number.c.service_id == ServiceItem.id)
    if query.q:
        stmt = stmt.where(containing(query.q, ServiceItem.code, ServiceItem.name))
    if query.state == "draft":
        stmt = stmt.where(newest_number.c.number.is_(None))
    elif query.state == "published":
        stmt = stmt.where(newest_number.c.number.is_not(None), ServiceItem.draft.is_(None))
    elif query.state == "changed":
        stmt = stmt.where(newest_number.c.number.is_not(None), ServiceItem.draft.is_not(None))
    if query.department:
        department = select(Department.id).where(Department.code == query.department).scalar_subquery()
        stmt = stmt.where(ServiceItem.department_id == department)
    page = page_of(stmt, query, ServiceItem.code)
    items = page.items
    newest = {}
    if items:
        numbers = select(newest_number.c.service_id, newest_number.c.number).where(
            newest_number.c.service_id.in_([item.id for item in items])
        )
        pairs = [(row.service_id, row.number) for row in db.session.execute(numbers)]
        if pairs:
            versions = db.session.scalars(
                select(ServiceVersion).where(
                    or_(
                        *(
                            (ServiceVersion.service_id == service_id) & (ServiceVersion.number == number)
                            for service_id, number in pairs
                        )
                    )
                )
            ).all()
            newest = {version.service_id: version for version in versions}
    return Page([item_view(item, newest.get(item.id), look_up=False) for item in items], page.total)


def _check_queue(code: str) -> None:
    if db.session.scalar(select(Queue.id).where(Queue.code == code).limit(1)) is None:
        raise InvalidRequest({"queue": f"没有这个队列：{code}"})


def _check_halls(codes: list[str] | None) -> None:
    """Refuse (400 naming ``halls``) a list of accepting halls that names a hall not in the city."""
    if not codes:
        return
    known = set(db.session.scalars(select(Hall.code).where(Hall.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidRequest({"halls": f"没有该服务大厅：{'、'.join(unknown)}"})


def _content(req, base: dict) -> dict:
    """Merge the fields a request gives into a content, with ``online`` folded into the modes."""
    content = dict(base)
    for name in CONTENT_FIELDS:
        if name not in req.model_fields_set:
            continue
        value = getattr(req, name)
        if name == "materials":
            value = [material.model_dump() for material in value]
        elif name == "guide":
            value = value.model_dump()
        elif name == "questions":
            value = [question.model_dump() for question in value]
        content[name] = value
    if "online" in req.model_fields_set and req.online is not None:
        modes = [mode for mode in content["modes"] if mode != "online"]
        if not req.online:
            content["modes"] = modes
        elif "online" not in content["modes"]:
            content["modes"] = ["online", *modes]
        if not content["modes"]:
            raise InvalidRequest({"online": "事项至少要有一种办理方式"})
    if content["promised_days"] > content["legal_days"]:
        raise InvalidRequest(
            {"promised_days": f"承诺时限不能超过法定时限（{content['legal_days']} 个工作日）"}
        )
    referenced("department", content["department"])
    _check_queue(content["queue"])
    _check_halls(content.get("halls"))
    check_bundle(content)
    return content


def _set_columns(item: ServiceItem, content: dict) -> None:
    item.name = content["name"]
    item.department = referenced("department", content["department"])
    item.queue_code = content["queue"]
    item.modes = list(content["modes"])
    item.legal_days = content["legal_days"]
    item.promised_days = content["promised_days"]
    item.materials = list(content["materials"])
    item.guide = dict(content["guide"])
    item.parts = list(content.get("parts") or [])
    halls = content.get("halls")
    item.halls = list(halls) if halls is not None else None
    item.depends = dict(content.get("depends") or {}) or None
    item.questions = list(content.get("questions") or []) or None


def create_item(actor, req) -> ServiceItem:
    """Create an item as a draft (administrators only); 409 when the code is taken."""
    policy.require(actor, "service.administer")
    if db.session.scalar(select(ServiceItem.id).where(ServiceItem.code == req.code)) is not None:
        raise Conflict(f"事项编码已被使用：{req.code}", {"fields": {"code": "编码已被使用"}})
    base = {"modes": [], "materials": [], "guide": {}, "parts": [], "halls": None}
    base |= {"depends": {}, "questions": []}
    content = _content(req, base)
    item = ServiceItem(code=req.code, version=None, draft=content, draft_updated_at=clock.now())
    _set_columns(item, content)  # never published: the columns hold the first draft, not public
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "service.created", f"service:{item.code}", None, content)
    return item


def draft_of(item: ServiceItem, req) -> tuple[dict, dict]:
    """Return the item's content as edited now and as the request would leave it."""
    newest = newest_version(item)
    before = dict(item.draft) if item.draft is not None else newest.content()
    return before, _content(req, before)


def update_item(actor, item: ServiceItem, req) -> ServiceItem:
    """Change the item's draft (started from its newest version when none waits)."""
    policy.require(actor, "service.administer")
    before, after = draft_of(item, req)
    newest = newest_version(item)
    item.draft = after
    item.draft_updated_at = clock.now()
    if newest is None:
        _set_columns(item, after)
    db.session.flush()
    audit.record(actor, "service.updated", f"service:{item.code}", *audit.changes(before, after))
    return item


def publish_item(actor, item: ServiceItem, req) -> ServiceVersion:
    """Publish the draft as the next version, in effect from ``effective`` (today by default)."""
    policy.require(actor, "service.administer")
    today = clock.today()
    effective: date = req.effective or today
    newest = newest_version(item)
    if effective < today:
        raise InvalidRequest({"effective": "生效日期不能早于今天"})
    if newest is not None and effective < newest.effective:
        raise InvalidRequest(
            {"effective": f"生效日期不能早于上一版本的生效日期（{newest.effective.isoformat()}）"}
        )
    return publish_draft(actor, item, effective)


def publish_draft(actor, item: ServiceItem, effective: date) -> ServiceVersion:
    """Publish the draft as the next version in effect from ``effective`` (which the caller checked)."""
    policy.require(actor, "service.administer")
    if item.draft is None:
        raise Conflict("该事项没有待发布的修改", {"service": item.code})
    today = clock.today()
    newest = newest_version(item)
    content = dict(item.draft)
    version = ServiceVersion(
        item=item,
        number=(newest.number if newest else 0) + 1,
        effective=effective,
        published_at=clock.now(),
        published_by=actor.record() if actor is not None else None,
    )
    _set_columns(version, content)
    db.session.add(version)
    if effective <= today:
        take_content(item, version)
        item.version = version.number
    item.draft = None
    item.draft_updated_at = None
    db.session.flush()
    audit.record(
        actor,
        "service.published",
        f"service:{item.code}",
        {"version": newest.number if newest else None},
        {"version": version.number, "effective": effective.isoformat()},
    )
    return version


def list_versions(actor, item: ServiceItem) -> list[ServiceVersion]:
    """Return the item's published versions, newest first, with who published them and when."""
    policy.require(actor, "service.read")
    return list(
        db.session.scalars(
            select(ServiceVersion)
            .where(ServiceVersion.service_id == item.id)
            .options(joinedload(ServiceVersion.published_by), joinedload(ServiceVersion.department))
            .order_by(ServiceVersion.number.desc())
        ).all()
    )
