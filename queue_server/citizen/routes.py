"""The public item list and each item's guide.

Appointments (预约): a queue's slots of a day, booking, looking up and cancelling a booking.

Online applications (网上办): the applicant's public endpoints, uploaded files for staff, material guides.

The applicant's endpoints take the access token answered at creation in the ``X-Application-Token``
header (docs/online.md); staff read the files of a case with their bearer token, scoped like the case.
"""

from pathlib import Path

from flask import Blueprint, Response, current_app, g, request, send_file

from queue_server.accounts.auth import acting_user
from queue_server.accounts.policy import require
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply, wrong_guesses
from queue_server.cases.schemas import Delivery
from queue_server.cases.transitions import get_case
from queue_server.citizen.accepting import hall_services
from queue_server.citizen.answers import (
    APPLICATION_TOKEN,
    TOKEN_ERRORS,
    UPLOADED_FILE,
    ApplicationAccessOut,
    ApplicationCreatedOut,
    ApplicationFileOut,
    ApplicationOut,
    AppointmentOut,
    ServiceDetailOut,
    ServiceOut,
    SlotOut,
    UploadOut,
)
from queue_server.citizen.appointments import (
    book,
    booking_context,
    cancel,
    day_slots,
    find_appointment,
    needs_opening,
    normalize_code,
    open_day,
)
from queue_server.citizen.items import find_services, get_service
from queue_server.citizen.material_samples import render_material_guide
from queue_server.citizen.online import (
    add_file,
    applicant_document,
    applicant_file,
    application_for,
    choose_delivery,
    discard,
    open_online_application,
    recover_access,
    remove_file,
    staff_file,
    staff_files,
    stored_path,
    submit_application,
    supplement_application,
    withdraw_application,
)
from queue_server.citizen.schemas import (
    AccessRequest,
    ApplicantNoteRequest,
    ApplicationRequest,
    AppointmentPhoneQuery,
    AppointmentRequest,
    ServiceQuery,
    SlotQuery,
    UploadForm,
)
from queue_server.db import begin_write
from queue_server.errors import NotFound
from queue_server.extensions import db
from queue_server.queue.halls import get_hall, queue_in_body
from queue_server.queue.models import Queue
from queue_server.uploads import admit_upload_size, check_upload
from queue_server.validation import parse_body, parse_query

bp = Blueprint("citizen", __name__)


@bp.get("/services")
@operation(query=ServiceQuery, limit="RATELIMIT_PUBLIC", answers={200: list[ServiceOut]})
def list_services():
    """事项清单 Item list"""
    query = parse_query(ServiceQuery)
    return reply(list[ServiceOut], find_services(query.mode, query.department, query.q))


@bp.get("/services/<code>")
@operation(limit="RATELIMIT_PUBLIC", answers={200: ServiceDetailOut, 404: Error})
def show_service(code: str):
    """事项及办事指南 Item with its guide"""
    return reply(ServiceDetailOut, get_service(code))


@bp.get("/halls/<hall_code>/services")
@operation(query=ServiceQuery, limit="RATELIMIT_PUBLIC", answers={200: list[ServiceOut], 404: Error})
def list_hall_services(hall_code: str):
    """本大厅受理的事项 The items a hall accepts"""
    hall = get_hall(hall_code)
    query = parse_query(ServiceQuery)
    return reply(list[ServiceOut], hall_services(hall, query.mode, query.department, query.q))


@bp.get("/halls/<hall_code>/slots")
@operation(query=SlotQuery, limit="RATELIMIT_PUBLIC", answers={200: list[SlotOut], 404: Error})
def list_slots(hall_code: str):
    """预约时段及余号（首次查询时生成当日时段） Bookable slots of a queue on a day"""
    hall = get_hall(hall_code)
    query = parse_query(SlotQuery)
    queue = queue_in_body(hall, query.queue)
    if needs_opening(queue, query.day):
        # The day's slots are created on first sight: end this read and take the write lock (SQLite) first.
        queue_id = queue.id
        db.session.rollback()
        begin_write()
        queue = db.session.get(Queue, queue_id)
        open_day(queue, query.day)
    return reply(list[SlotOut], day_slots(queue, query.day), context=booking_context(query.day))


@bp.post("/appointments")
@operation(
    body=AppointmentRequest,
    limit=("RATELIMIT_PUBLIC", "RATELIMIT_APPOINTMENTS"),
    answers={201: AppointmentOut, 403: Error},
)
def create_appointment():
    """预约取号时段 Book a slot"""
    return reply(AppointmentOut, book(parse_body(AppointmentRequest)), 201)


def _guess_key() -> str:
    return f"{request.remote_addr}:{normalize_code((request.view_args or {}).get('code', ''))}"


# Wrong phone numbers (or codes) count against the client and code, on lookups and cancels alike.
_guesses = wrong_guesses("RATELIMIT_APPOINTMENT_GUESSES", _guess_key, scope="appointment_guesses")


@bp.get("/appointments/<code>")
@operation(query=AppointmentPhoneQuery, limit="RATELIMIT_PUBLIC", answers={200: AppointmentOut, 404: Error})
@_guesses
def show_appointment(code: str):
    """查询我的预约（凭手机号） Look up a booking"""
    query = parse_query(AppointmentPhoneQuery)
    return reply(AppointmentOut, find_appointment(code, query.phone))


@bp.delete("/appointments/<code>")
@operation(
    query=AppointmentPhoneQuery,
    limit="RATELIMIT_PUBLIC",
    answers={200: AppointmentOut, 404: Error, 409: Error},
)
@_guesses
def cancel_appointment(code: str):
    """取消预约（凭手机号），释放名额 Cancel a booking"""
    query = parse_query(AppointmentPhoneQuery)
    return reply(AppointmentOut, cancel(find_appointment(code, query.phone, for_update=True)))


TOKEN_HEADER = "X-Application-Token"
admit_upload_size(
    bp,
    "api.citizen.upload_application_file",
    lambda: current_app.config["UPLOAD_MAX_BYTES"],
    "文件过大：单个文件不能超过 {size}",
)


def _discard_after_answer(path: Path, *, if_answered: bool) -> None:
    """Remove a stored file once the request is answered: on success (``if_answered``), else on failure."""
    g.setdefault("citizen_discards", []).append((path, if_answered))


@bp.after_request
def _discard_files(response: Response) -> Response:
    """Remove the files of rows not committed (a failed upload) or deleted (a committed removal)."""
    for path, if_answered in g.pop("citizen_discards", []):
        if (response.status_code < 400) == if_answered:
            discard(path)
    return response


def _token() -> str | None:
    return request.headers.get(TOKEN_HEADER, "").strip() or None


def _file_response(path, row) -> Response:
    # An upload is the applicant's content: always a download, never shown inline by this site.
    response = send_file(
        path, mimetype=row.mime, download_name=row.original_name, conditional=False, as_attachment=True
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf(content: bytes, name: str) -> Response:
    headers = {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"}
    return Response(content, mimetype="application/pdf", headers=headers)


# --- the item guide's material pages ---


@bp.get("/services/<code>/materials/<int:material_id>/guide")
@operation(limit="RATELIMIT_PUBLIC", answers={200: "pdf", 404: Error})
def material_guide(code: str, material_id: int):
    """申请材料说明 PDF（material_id：材料在清单中的序号，从 1 起） Material guide"""
    item = get_service(code)
    if not 1 <= material_id <= len(item.materials):
        raise NotFound(f"该事项没有第 {material_id} 项材料", {"material_id": material_id})
    pdf = render_material_guide(item, item.materials[material_id - 1], current_app.config["UPLOAD_MAX_BYTES"])
    return _pdf(pdf, f"{item.code}-material-{material_id}.pdf")


# --- the applicant ---

TOKEN = (APPLICATION_TOKEN,)


@bp.post("/public/applications")
@operation(
    body=ApplicationRequest,
    limit=("RATELIMIT_PUBLIC", "RATELIMIT_APPLICATIONS"),
    answers={201: ApplicationCreatedOut},
)
def create_application():
    """网上申请（草稿），返回申请凭证 Start an online application"""
    return reply(ApplicationCreatedOut, open_online_application(parse_body(ApplicationRequest)), 201)


@bp.post("/public/applications/access")
@operation(body=AccessRequest, limit="RATELIMIT_PUBLIC", answers={200: ApplicationAccessOut, 404: Error})
@wrong_guesses("RATELIMIT_PROGRESS_GUESSES", lambda: f"{request.remote_addr}:application-access")
def application_access():
    """找回申请凭证（办件编号、手机号、身份证号） Recover the access token"""
    req = parse_body(AccessRequest)
    token = recover_access(req.case_no, req.phone, req.id_number)
    return reply(ApplicationAccessOut, {"case_no": req.case_no.upper(), "token": token})


@bp.get("/public/applications/<case_no>")
@operation(headers=TOKEN, limit="RATELIMIT_PUBLIC", answers={200: ApplicationOut, **TOKEN_ERRORS})
def show_application(case_no: str):
    """我的网上申请（X-Application-Token） My application"""
    return reply(ApplicationOut, application_for(case_no, _token()))


@bp.post("/public/applications/<case_no>/files")
@operation(
    body=UploadForm,
    headers=TOKEN,
    limit="RATELIMIT_PUBLIC",
    answers={201: UploadOut, 401: Error, 404: Error, 413: Error},
)
def upload_application_file(case_no: str):
    """上传申请材料（multipart：material、file） Upload a material"""
    case = application_for(case_no, _token(), for_update=True)
    upload = check_upload(request.files.get("file"))
    row, path = add_file(case, request.form.get("material"), upload)
    _discard_after_answer(path, if_answered=False)  # a file whose row is not committed is removed again
    return reply(UploadOut, {"file": row, "application": case}, 201)


@bp.delete("/public/applications/<case_no>/files/<int:file_id>")
@operation(
    headers=TOKEN, limit="RATELIMIT_PUBLIC", answers={200: ApplicationOut, 401: Error, 404: Error, 409: Error}
)
def delete_application_file(case_no: str, file_id: int):
    """删除尚未提交的材料 Remove a file not yet sent"""
    case = application_for(case_no, _token(), for_update=True)
    _discard_after_answer(remove_file(case, file_id), if_answered=True)  # once its row's removal is committed
    return reply(ApplicationOut, case)


@bp.get("/public/applications/<case_no>/files/<int:file_id>")
@operation(headers=TOKEN, limit="RATELIMIT_PUBLIC", answers={200: UPLOADED_FILE, **TOKEN_ERRORS})
def application_file(case_no: str, file_id: int):
    """下载本人上传的材料 My uploaded file"""
    row = applicant_file(application_for(case_no, _token()), file_id)
    return _file_response(stored_path(row), row)


_TRIGGER_ANSWERS = {200: ApplicationOut, 400: Error, 401: Error, 404: Error, 409: Error, 429: Error}
# Submit, supplement and withdraw each take an optional note and answer the application.
applicant_step = operation(
    body=ApplicantNoteRequest,
    body_required=False,
    headers=TOKEN,
    answers=_TRIGGER_ANSWERS,
    limit="RATELIMIT_PUBLIC",
)


@bp.post("/public/applications/<case_no>/submit")
@applicant_step
def submit(case_no: str):
    """提交网上预审 Submit for pre-review"""
    case = application_for(case_no, _token(), for_update=True)
    return reply(ApplicationOut, submit_application(case, parse_body(ApplicantNoteRequest).note))


@bp.post("/public/applications/<case_no>/supplement")
@applicant_step
def supplement(case_no: str):
    """网上补正（已上传补正材料后） Send the supplement"""
    case = application_for(case_no, _token(), for_update=True)
    return reply(ApplicationOut, supplement_application(case, parse_body(ApplicantNoteRequest).note))


@bp.post("/public/applications/<case_no>/withdraw")
@applicant_step
def withdraw(case_no: str):
    """撤回申请 Withdraw"""
    case = application_for(case_no, _token(), for_update=True)
    return reply(ApplicationOut, withdraw_application(case, parse_body(ApplicantNoteRequest).note))


@bp.put("/public/applications/<case_no>/delivery")
@operation(body=Delivery, headers=TOKEN, answers=_TRIGGER_ANSWERS, limit="RATELIMIT_PUBLIC")
def delivery(case_no: str):
    """选择领取方式：大厅领取或邮寄 Choose pickup or mail"""
    case = application_for(case_no, _token(), for_update=True)
    return reply(ApplicationOut, choose_delivery(case, parse_body(Delivery)))


@bp.get("/public/applications/<case_no>/documents/<kind>")
@operation(headers=TOKEN, limit="RATELIMIT_PUBLIC", answers={200: "pdf", **TOKEN_ERRORS})
def application_document(case_no: str, kind: str):
    """本人的受理、一次性告知、不予受理通知书 PDF My notices"""
    case = application_for(case_no, _token())
    return _pdf(applicant_document(case, kind), f"{case.case_no}-{kind}.pdf")


# --- staff ---


@bp.get("/cases/<case_no>/files")
@operation(staff=True, answers={200: list[ApplicationFileOut], 403: Error, 404: Error})
def case_files(case_no: str):
    """办件的网上申请材料 Uploaded files of a case"""
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    return reply(list[ApplicationFileOut], staff_files(case))


@bp.get("/cases/<case_no>/files/<int:file_id>")
@operation(staff=True, answers={200: UPLOADED_FILE, 403: Error, 404: Error})
def case_file(case_no: str, file_id: int):
    """查看网上申请材料 An uploaded file"""
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    row = staff_file(case, file_id)
    return _file_response(stored_path(row), row)
