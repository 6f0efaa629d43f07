"""The public item list and each item's guide.

Appointments (预约): a queue's slots of a day, booking, looking up and cancelling a booking.

Online applications (网上办): the applicant's public endpoints, uploaded files for staff, material guides.

The applicant's endpoints take the access token answered at creation in the ``X-Application-Token``
header (docs/online.md); staff read the files of a case with their bearer token, scoped like the case.
"""

from flask import Blueprint, Response, current_app, request, send_file

from queue_server.accounts.auth import acting_user, staff_required
from queue_server.accounts.policy import require
from queue_server.cases.transitions import get_case
from queue_server.citizen.appointments import (
    appointment_view,
    book,
    cancel,
    day_slots,
    find_appointment,
    needs_opening,
    normalize_code,
    open_day,
)
from queue_server.citizen.items import find_services, get_service, service_view
from queue_server.citizen.material_samples import render_material_guide
from queue_server.citizen.online import (
    access_token,
    add_file,
    applicant_document,
    applicant_file,
    application_for,
    application_view,
    check_upload,
    choose_delivery,
    discard,
    file_view,
    files_of,
    open_online_application,
    recover_access,
    remove_file,
    size_text,
    staff_file,
    stored_path,
    submit_application,
    supplement_application,
    withdraw_application,
)
from queue_server.db import begin_write
from queue_server.errors import NotFound, TooLarge
from queue_server.extensions import db, limiter
from queue_server.queue.halls import get_hall, queue_in_body
from queue_server.queue.models import Queue
from queue_server.schemas import (
    AccessRequest,
    ApplicantNoteRequest,
    ApplicationRequest,
    AppointmentPhoneQuery,
    AppointmentRequest,
    Delivery,
    ServiceQuery,
    SlotQuery,
    parse_body,
    parse_query,
)

bp = Blueprint("citizen", __name__)


@bp.get("/services")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def list_services():
    query = parse_query(ServiceQuery)
    return [service_view(item) for item in find_services(query.mode, query.department, query.q)]


@bp.get("/services/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def show_service(code: str):
    return service_view(get_service(code), with_guide=True)


@bp.get("/halls/<hall_code>/slots")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def list_slots(hall_code: str):
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
        db.session.commit()
    return day_slots(queue, query.day)


@bp.post("/appointments")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@limiter.limit(lambda: current_app.config["RATELIMIT_APPOINTMENTS"])
def create_appointment():
    req = parse_body(AppointmentRequest)
    appointment = book(req)
    answer = appointment_view(appointment)
    db.session.commit()
    return answer, 201


def _wrong_guess(response) -> bool:
    return response.status_code == 404


def _guess_key() -> str:
    return f"{request.remote_addr}:{normalize_code((request.view_args or {}).get('code', ''))}"


# Wrong phone numbers (or codes) count against the client and code, on lookups and cancels alike.
_guesses = limiter.shared_limit(lambda: current_app.config["RATELIMIT_APPOINTMENT_GUESSES"], scope="appointment_guesses",
                                key_func=_guess_key, deduct_when=_wrong_guess)


@bp.get("/appointments/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@_guesses
def show_appointment(code: str):
    query = parse_query(AppointmentPhoneQuery)
    return appointment_view(find_appointment(code, query.phone))


@bp.delete("/appointments/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
@_guesses
def cancel_appointment(code: str):
    query = parse_query(AppointmentPhoneQuery)
    appointment = cancel(find_appointment(code, query.phone, for_update=True))
    answer = appointment_view(appointment)
    db.session.commit()
    return answer


TOKEN_HEADER = "X-Application-Token"
# Room for the multipart envelope and the material's name around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def _public_limit():
    return current_app.config["RATELIMIT_PUBLIC"]


@bp.before_app_request
def _allow_upload_size() -> None:
    """Let an upload request be as large as one file (the app's limit is for JSON), before anyone reads it."""
    if request.endpoint != "api.citizen.upload_application_file":
        return
    limit = current_app.config["UPLOAD_MAX_BYTES"] + MULTIPART_OVERHEAD
    request.max_content_length = limit  # a body without Content-Length is cut there: 413 too_large
    if request.content_length and request.content_length > limit:
        most = current_app.config["UPLOAD_MAX_BYTES"]
        raise TooLarge(f"文件过大：单个文件不能超过 {size_text(most)}", {"max_bytes": most})


def _token() -> str | None:
    return request.headers.get(TOKEN_HEADER, "").strip() or None


def _file_response(path, row) -> Response:
    # An upload is the applicant's content: always a download, never shown inline by this site.
    response = send_file(path, mimetype=row.mime, download_name=row.original_name, conditional=False,
                         as_attachment=True)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _pdf(content: bytes, name: str) -> Response:
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "no-store"})


# --- the item guide's material pages ---


@bp.get("/services/<code>/materials/<int:material_id>/guide")
@limiter.limit(_public_limit)
def material_guide(code: str, material_id: int):
    item = get_service(code)
    if not 1 <= material_id <= len(item.materials):
        raise NotFound(f"该事项没有第 {material_id} 项材料", {"material_id": material_id})
    pdf = render_material_guide(item, item.materials[material_id - 1], current_app.config["UPLOAD_MAX_BYTES"])
    return _pdf(pdf, f"{item.code}-material-{material_id}.pdf")


# --- the applicant ---


@bp.post("/public/applications")
@limiter.limit(_public_limit)
@limiter.limit(lambda: current_app.config["RATELIMIT_APPLICATIONS"])
def create_application():
    req = parse_body(ApplicationRequest)
    case = open_online_application(req)
    answer = {**application_view(case), "token": access_token(case)}
    db.session.commit()
    return answer, 201


def _wrong_guess(response) -> bool:
    return response.status_code == 404


@bp.post("/public/applications/access")
@limiter.limit(_public_limit)
@limiter.limit(lambda: current_app.config["RATELIMIT_PROGRESS_GUESSES"],
               key_func=lambda: f"{request.remote_addr}:application-access", deduct_when=_wrong_guess)
def application_access():
    req = parse_body(AccessRequest)
    return {"case_no": req.case_no.upper(), "token": recover_access(req.case_no, req.phone, req.id_number)}


@bp.get("/public/applications/<case_no>")
@limiter.limit(_public_limit)
def show_application(case_no: str):
    return application_view(application_for(case_no, _token()))


@bp.post("/public/applications/<case_no>/files")
@limiter.limit(_public_limit)
def upload_application_file(case_no: str):
    case = application_for(case_no, _token(), for_update=True)
    upload = check_upload(request.files.get("file"))
    row, path = add_file(case, request.form.get("material"), upload)
    try:  # a file whose row is not committed is removed again: a failed upload stores nothing
        answer = {"file": file_view(row), "application": application_view(case)}
        db.session.commit()
    except Exception:
        discard(path)
        raise
    return answer, 201


@bp.delete("/public/applications/<case_no>/files/<int:file_id>")
@limiter.limit(_public_limit)
def delete_application_file(case_no: str, file_id: int):
    case = application_for(case_no, _token(), for_update=True)
    path = remove_file(case, file_id)
    answer = application_view(case)
    db.session.commit()
    discard(path)
    return answer


@bp.get("/public/applications/<case_no>/files/<int:file_id>")
@limiter.limit(_public_limit)
def application_file(case_no: str, file_id: int):
    row = applicant_file(application_for(case_no, _token()), file_id)
    return _file_response(stored_path(row), row)


@bp.post("/public/applications/<case_no>/submit")
@limiter.limit(_public_limit)
def submit(case_no: str):
    case = application_for(case_no, _token(), for_update=True)
    submit_application(case, parse_body(ApplicantNoteRequest).note)
    answer = application_view(case)
    db.session.commit()
    return answer


@bp.post("/public/applications/<case_no>/supplement")
@limiter.limit(_public_limit)
def supplement(case_no: str):
    case = application_for(case_no, _token(), for_update=True)
    supplement_application(case, parse_body(ApplicantNoteRequest).note)
    answer = application_view(case)
    db.session.commit()
    return answer


@bp.post("/public/applications/<case_no>/withdraw")
@limiter.limit(_public_limit)
def withdraw(case_no: str):
    case = application_for(case_no, _token(), for_update=True)
    withdraw_application(case, parse_body(ApplicantNoteRequest).note)
    answer = application_view(case)
    db.session.commit()
    return answer


@bp.put("/public/applications/<case_no>/delivery")
@limiter.limit(_public_limit)
def delivery(case_no: str):
    case = application_for(case_no, _token(), for_update=True)
    choose_delivery(case, parse_body(Delivery))
    answer = application_view(case)
    db.session.commit()
    return answer


@bp.get("/public/applications/<case_no>/documents/<kind>")
@limiter.limit(_public_limit)
def application_document(case_no: str, kind: str):
    case = application_for(case_no, _token())
    return _pdf(applicant_document(case, kind), f"{case.case_no}-{kind}.pdf")


# --- staff ---


@bp.get("/cases/<case_no>/files")
@staff_required()
def case_files(case_no: str):
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    return [file_view(row) for row in files_of(case, sent_only=True)]


@bp.get("/cases/<case_no>/files/<int:file_id>")
@staff_required()
def case_file(case_no: str, file_id: int):
    case = get_case(case_no)
    require(acting_user(), "case.read", case=case)
    row = staff_file(case, file_id)
    return _file_response(stored_path(row), row)
