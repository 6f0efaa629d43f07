"""The administration API (CONTRACT.md, "Administration"): halls, queues, windows, staff, items, calendar,
audit."""

from flask import Blueprint, Response, current_app, request

from queue_server.accounts import policy
from queue_server.accounts.auth import acting_user
from queue_server.admin import audit, halls, itemsheet, services, staff, workdays
from queue_server.admin.answers import (
    AdminAuditList,
    AdminCalendarDayOut,
    AdminCalendarImportOut,
    AdminCalendarYearOut,
    AdminDepartmentList,
    AdminDepartmentOut,
    AdminHallList,
    AdminHallOut,
    AdminImportOut,
    AdminPublishedOut,
    AdminQueueList,
    AdminQueueOut,
    AdminServiceList,
    AdminServiceOut,
    AdminUserList,
    AdminUserOut,
    AdminVersionList,
    AdminWindowList,
    AdminWindowOut,
)
from queue_server.admin.sample_routes import bp as samples_bp
from queue_server.admin.schemas import (
    AuditQuery,
    CalendarDayRequest,
    CalendarFileForm,
    DepartmentRequest,
    HallPatch,
    HallRequest,
    ItemSheetForm,
    ListQuery,
    PublishRequest,
    QueueRequest,
    ServiceListQuery,
    ServicePatch,
    ServiceRequest,
    UserListQuery,
    UserPatch,
    UserRequest,
    WindowPatch,
    WindowRequest,
)
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.calendar import clock
from queue_server.errors import InvalidRequest, TooLarge
from queue_server.queue.halls import get_hall, get_window
from queue_server.schemas import parse_body, parse_query

bp = Blueprint("admin", __name__)
bp.register_blueprint(samples_bp)  # 示例文本: the items' material samples (queue_server/admin/samples.py)

READ = {400: Error, 401: Error, 403: Error}
CHANGE = {400: Error, 401: Error, 403: Error, 404: Error}
BINARY = {"type": "string", "format": "binary"}


def _console():
    """Return the acting user once the policy lets them into administration at all (403 otherwise)."""
    actor = acting_user()
    policy.require(actor, "admin.console")
    return actor


def _administered_hall(hall_code: str):
    """Return the hall in the path (404) once the user may administer it (403)."""
    actor = _console()
    hall = get_hall(hall_code)
    policy.require(actor, "hall.administer", hall_id=hall.id)
    return actor, hall


# --- halls and departments ---


@bp.get("/admin/halls")
@operation(staff=True, query=ListQuery, answers={200: AdminHallList, **READ})
def list_halls():
    """服务大厅列表（可搜索、分页） Halls"""
    actor = _console()
    return reply(AdminHallList, halls.list_halls(actor, parse_query(ListQuery)))


@bp.post("/admin/halls")
@operation(staff=True, body=HallRequest, answers={201: AdminHallOut, **READ})
def create_hall():
    """新建服务大厅 Create a hall"""
    actor = _console()
    policy.require(actor, "hall.create")
    return reply(AdminHallOut, halls.create_hall(actor, parse_body(HallRequest)), 201)


@bp.patch("/admin/halls/<hall_code>")
@operation(staff=True, body=HallPatch, answers={200: AdminHallOut, **CHANGE})
def update_hall(hall_code: str):
    """修改服务大厅（编码除外） Change a hall"""
    actor, hall = _administered_hall(hall_code)
    return reply(AdminHallOut, halls.update_hall(actor, hall, parse_body(HallPatch)))


@bp.get("/admin/departments")
@operation(staff=True, query=ListQuery, answers={200: AdminDepartmentList, **READ})
def list_departments():
    """部门列表（可搜索、分页） Departments"""
    actor = _console()
    return reply(AdminDepartmentList, halls.list_departments(actor, parse_query(ListQuery)))


@bp.post("/admin/departments")
@operation(staff=True, body=DepartmentRequest, answers={201: AdminDepartmentOut, **READ})
def create_department():
    """新建部门 Create a department"""
    actor = _console()
    policy.require(actor, "department.create")
    return reply(AdminDepartmentOut, halls.create_department(actor, parse_body(DepartmentRequest)), 201)


# --- queues and windows ---


@bp.get("/admin/halls/<hall_code>/queues")
@operation(staff=True, query=ListQuery, answers={200: AdminQueueList, **CHANGE})
def list_queues(hall_code: str):
    """大厅的队列（可搜索、分页） A hall's queues"""
    actor, hall = _administered_hall(hall_code)
    return reply(AdminQueueList, halls.list_queues(actor, hall, parse_query(ListQuery)))


@bp.post("/admin/halls/<hall_code>/queues")
@operation(staff=True, body=QueueRequest, answers={201: AdminQueueOut, **CHANGE})
def create_queue(hall_code: str):
    """新建队列 Add a queue"""
    actor, hall = _administered_hall(hall_code)
    return reply(AdminQueueOut, halls.create_queue(actor, hall, parse_body(QueueRequest)), 201)


@bp.delete("/admin/halls/<hall_code>/queues/<queue_code>")
@operation(staff=True, answers={204: None, **CHANGE, 409: Error})
def delete_queue(hall_code: str, queue_code: str):
    """删除队列：今日有号票、在办办件或窗口使用时不能删除 Delete a queue"""
    actor, hall = _administered_hall(hall_code)
    halls.delete_queue(actor, hall, halls.get_queue(hall, queue_code))
    return "", 204


@bp.get("/admin/halls/<hall_code>/windows")
@operation(staff=True, query=ListQuery, answers={200: AdminWindowList, **CHANGE})
def list_windows(hall_code: str):
    """大厅的窗口（可搜索、分页） A hall's windows"""
    actor, hall = _administered_hall(hall_code)
    return reply(AdminWindowList, halls.list_windows(actor, hall, parse_query(ListQuery)))


@bp.post("/admin/halls/<hall_code>/windows")
@operation(staff=True, body=WindowRequest, answers={201: AdminWindowOut, **CHANGE})
def create_window(hall_code: str):
    """新建窗口：queues 按叫号优先顺序 Add a window"""
    actor, hall = _administered_hall(hall_code)
    return reply(AdminWindowOut, halls.create_window(actor, hall, parse_body(WindowRequest)), 201)


@bp.patch("/admin/windows/<int:window_id>")
@operation(staff=True, body=WindowPatch, answers={200: AdminWindowOut, **CHANGE})
def update_window(window_id: int):
    """修改窗口：新的队列自下一次叫号起生效 Change a window"""
    actor = _console()
    window = get_window(window_id)
    policy.require(actor, "hall.administer", hall_id=window.hall_id)
    return reply(AdminWindowOut, halls.update_window(actor, window, parse_body(WindowPatch)))


# --- staff ---


@bp.get("/admin/users")
@operation(staff=True, query=UserListQuery, answers={200: AdminUserList, **READ})
def list_users():
    """工作人员列表（可搜索、分页） Staff users"""
    actor = _console()
    return reply(AdminUserList, staff.list_users(actor, parse_query(UserListQuery)))


@bp.post("/admin/users")
@operation(staff=True, body=UserRequest, answers={201: AdminUserOut, **READ})
def create_user():
    """新建工作人员（密码由管理员设定） Create a user"""
    actor = _console()
    return reply(AdminUserOut, staff.create_user(actor, parse_body(UserRequest)), 201)


@bp.patch("/admin/users/<username>")
@operation(staff=True, body=UserPatch, answers={200: AdminUserOut, **CHANGE, 409: Error})
def update_user(username: str):
    """修改工作人员：停用后其令牌和会话立即失效；须保留一名启用的管理员 Change a user"""
    actor = _console()
    user = staff.get_user(username)
    policy.require(actor, "user.administer", hall_id=user.hall_id)
    return reply(AdminUserOut, staff.update_user(actor, user, parse_body(UserPatch)))


# --- the 五办 item list ---


@bp.get("/admin/services")
@operation(staff=True, query=ServiceListQuery, answers={200: AdminServiceList, **READ})
def list_services():
    """事项清单管理：含草稿，可搜索、按状态筛选、分页 Items with their drafts"""
    actor = _console()
    return reply(AdminServiceList, services.list_items(actor, parse_query(ServiceListQuery)))


@bp.post("/admin/services")
@operation(staff=True, body=ServiceRequest, answers={201: AdminServiceOut, **READ})
def create_service():
    """新建事项（草稿，发布后公开） Create an item as a draft"""
    actor = _console()
    policy.require(actor, "service.administer")
    item = services.create_item(actor, parse_body(ServiceRequest))
    return reply(AdminServiceOut, services.item_view(item), 201)


@bp.get("/admin/services/export")
@operation(
    staff=True,
    answers={200: {"description": "XLSX", "content": {itemsheet.XLSX: {"schema": BINARY}}}, **READ},
)
def export_services():
    """导出事项清单（XLSX） Export the item list"""
    actor = _console()
    content = itemsheet.export_items(actor)
    filename = f"wuban-items-{clock.today().isoformat()}.xlsx"
    return Response(
        content,
        mimetype=itemsheet.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/admin/services/import")
@operation(staff=True, body=ItemSheetForm, answers={200: AdminImportOut, **READ, 413: Error})
def import_services():
    """导入事项清单（XLSX，multipart：file）：逐行校验，有错则不做任何修改 Import the item list"""
    actor = _console()
    policy.require(actor, "service.administer")
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest({"file": "请选择要导入的 XLSX 文件"})
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise TooLarge("文件太大", {"file": upload.filename, "max_bytes": limit})
    return reply(AdminImportOut, itemsheet.import_items(actor, content))


@bp.get("/admin/services/<code>")
@operation(staff=True, answers={200: AdminServiceOut, **CHANGE})
def show_service(code: str):
    """事项（草稿或最新版本） An item as edited"""
    actor = _console()
    policy.require(actor, "service.read")
    return reply(AdminServiceOut, services.item_view(services.get_item(code)))


@bp.patch("/admin/services/<code>")
@operation(staff=True, body=ServicePatch, answers={200: AdminServiceOut, **CHANGE})
def update_service(code: str):
    """修改事项：修改进入草稿，发布后生效 Change an item's draft"""
    actor = _console()
    policy.require(actor, "service.administer")
    item = services.update_item(actor, services.get_item(code), parse_body(ServicePatch))
    return reply(AdminServiceOut, services.item_view(item))


@bp.post("/admin/services/<code>/publish")
@operation(staff=True, body=PublishRequest, answers={200: AdminPublishedOut, **CHANGE})
def publish_service(code: str):
    """发布事项草稿为新版本（生效日期默认今天） Publish the draft as the next version"""
    actor = _console()
    policy.require(actor, "service.administer")
    version = services.publish_item(actor, services.get_item(code), parse_body(PublishRequest))
    return reply(AdminPublishedOut, version)


@bp.get("/admin/services/<code>/versions")
@operation(staff=True, answers={200: AdminVersionList, **CHANGE})
def service_versions(code: str):
    """事项的版本历史：发布人、发布时间、生效日期 An item's versions"""
    actor = _console()
    policy.require(actor, "service.read")
    item = services.get_item(code)
    versions = services.list_versions(actor, item)
    today = clock.today()
    in_effect = next((version.number for version in versions if version.effective <= today), None)
    return reply(AdminVersionList, {"items": versions, "in_effect": in_effect})


# --- the working-day calendar ---


def _upload(kind: str) -> bytes:
    """Read the uploaded ``file`` (400 when none, 413 when too large)."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest({"file": f"请选择要导入的 {kind} 文件"})
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise TooLarge("文件太大", {"file": upload.filename, "max_bytes": limit})
    return content


@bp.get("/admin/calendar/<int:year>")
@operation(staff=True, answers={200: AdminCalendarYearOut, **READ, 404: Error})
def calendar_year(year: int):
    """工作日历：一年中的调整日期及全年日程是否已确认 A year's calendar overrides"""
    actor = _console()
    return reply(AdminCalendarYearOut, workdays.year_view(actor, year))


@bp.put("/admin/calendar/days/<day>")
@operation(staff=True, body=CalendarDayRequest, answers={200: AdminCalendarDayOut, **READ})
def set_calendar_day(day: str):
    """设置某一天：上班（调休）或休息（节假日） Set one day of the calendar"""
    actor = _console()
    policy.require(actor, "calendar.administer")
    when = workdays.parse_day(day)
    return reply(AdminCalendarDayOut, workdays.set_day(actor, when, parse_body(CalendarDayRequest)))


@bp.delete("/admin/calendar/days/<day>")
@operation(staff=True, answers={204: None, **CHANGE})
def delete_calendar_day(day: str):
    """删除某一天的调整（恢复日历库的安排） Remove one day's override"""
    actor = _console()
    policy.require(actor, "calendar.administer")
    workdays.delete_day(actor, workdays.parse_day(day))
    return "", 204


@bp.post("/admin/calendar/import")
@operation(staff=True, body=CalendarFileForm, answers={200: AdminCalendarImportOut, **READ, 413: Error})
def import_calendar():
    """导入全年日程（JSON，multipart：file）：逐项校验，有错则不做任何修改 Import a year's schedule"""
    actor = _console()
    policy.require(actor, "calendar.administer")
    return reply(AdminCalendarImportOut, workdays.import_schedule(actor, _upload("JSON")))


# --- audit ---


@bp.get("/admin/audit")
@operation(staff=True, query=AuditQuery, answers={200: AdminAuditList, **READ})
def audit_log():
    """审计日志（只增不改） The audit log"""
    actor = _console()
    return reply(AdminAuditList, audit.list_entries(actor, parse_query(AuditQuery)))
