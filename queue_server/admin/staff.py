"""Administer staff users: roles, hall and department scope, 工号, passwords set by an admin, disabling.

A password is hashed at once (``User.set_password``: werkzeug's salted hash) and never answered
nor recorded. Changing a user's password, roles, scope or active flag raises their token version,
so their tokens and sessions are refused from the next request on (``queue_server.accounts.revocation``).
At least one active administrator always remains.
"""

from sqlalchemy import select

from queue_server.accounts import policy
from queue_server.accounts.models import User
from queue_server.admin import audit
from queue_server.admin.lists import Page, containing, page_of
from queue_server.errors import Conflict, NotFound
from queue_server.extensions import db
from queue_server.queue.models import Hall
from queue_server.validation import referenced


def user_record(user: User) -> dict:
    """Describe a user as the audit log keeps it (never the password or its hash)."""
    return {
        "name": user.name,
        "roles": list(user.roles),
        "hall": user.hall.code if user.hall is not None else None,
        "department": user.department.code if user.department is not None else None,
        "active": user.active,
        "employee_no": user.employee_no,
    }


def get_user(username: str) -> User:
    """Return the user named in the path, or answer 404."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有该工作人员：{username}", {"user": username})
    return user


def list_users(actor, query) -> Page:
    """Return the users the user administers, searched by username or name."""
    policy.require(actor, "admin.console")
    stmt = select(User).where(policy.admin_scope(actor, User.hall_id))
    if query.hall:
        stmt = stmt.where(User.hall_id == select(Hall.id).where(Hall.code == query.hall).scalar_subquery())
    if query.q:
        stmt = stmt.where(containing(query.q, User.username, User.name))
    return page_of(stmt, query, User.username)


def _check_employee_no(employee_no: str | None, user_id: int | None = None) -> None:
    """Refuse (409) a 工号 another user holds."""
    if employee_no is None:
        return
    holder = db.session.scalar(select(User.id).where(User.employee_no == employee_no))
    if holder is not None and holder != user_id:
        raise Conflict(f"工号已被使用：{employee_no}", {"fields": {"employee_no": "工号已被使用"}})


def create_user(actor, req) -> User:
    """Create a user with a password set by the administrator; 409 when the username is taken."""
    hall = referenced("hall", req.hall)
    policy.require(actor, "user.administer", hall_id=hall.id if hall is not None else None)
    policy.require(actor, "role.grant", roles=req.roles)
    department = referenced("department", req.department)
    if db.session.scalar(select(User.id).where(User.username == req.username)) is not None:
        raise Conflict(f"用户名已被使用：{req.username}", {"fields": {"username": "用户名已被使用"}})
    _check_employee_no(req.employee_no)
    user = User(
        username=req.username,
        name=req.name,
        employee_no=req.employee_no,
        roles=list(req.roles),
        hall=hall,
        department=department,
        active=True,
    )
    user.set_password(req.password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.created", f"user:{user.username}", None, user_record(user), user.hall_id)
    return user


def _active_admins() -> list[User]:
    stmt = select(User).where(User.active.is_(True)).with_for_update()
    return [user for user in db.session.scalars(stmt) if "admin" in (user.roles or [])]


def update_user(actor, user: User, req) -> User:
    """Change a user's name, roles, scope, active flag or password; 409 if no active admin would remain."""
    policy.require(actor, "user.administer", hall_id=user.hall_id)
    given = req.model_fields_set
    roles = list(req.roles) if "roles" in given else list(user.roles)
    # Only an administrator touches an administrator, or grants or takes away the role.
    policy.require(actor, "role.grant", roles=set(roles) | set(user.roles))
    before = user_record(user)
    if "hall" in given:
        hall = referenced("hall", req.hall)
        policy.require(actor, "user.administer", hall_id=hall.id if hall is not None else None)
        user.hall = hall
    if "department" in given:
        user.department = referenced("department", req.department)
    if "name" in given:
        user.name = req.name
    if "employee_no" in given:
        _check_employee_no(req.employee_no, user.id)
        user.employee_no = req.employee_no
    was_admin = user.active and "admin" in user.roles
    if "roles" in given:
        user.roles = roles
    if "active" in given:
        user.active = req.active
    still_admin = user.active and "admin" in user.roles
    if was_admin and not still_admin and not [other for other in _active_admins() if other.id != user.id]:
        field = "roles" if "roles" in given else "active"
        raise Conflict("至少须保留一名启用的系统管理员", {"fields": {field: "这是最后一名启用的系统管理员"}})
    if "password" in given:
        user.set_password(req.password)
    db.session.flush()
    old, new = audit.changes(before, user_record(user))
    if "password" in given:
        new["password"] = "已由管理员重设"
    if new:
        audit.record(actor, "user.updated", f"user:{user.username}", old, new, user.hall_id)
    return user
