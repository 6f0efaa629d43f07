"""Online applications (网上办): the applicant applies, uploads materials and follows the case online.

The applicant has no account. Creating an application answers an access token (signed, like the
staff's bearer tokens) that names the case and the phone given in it; every later operation of the
applicant carries it, and the token stops working if the case's phone no longer matches. A lost
token is issued again for the case number, the phone and the full ID number (rate-limited).

The applicant fires ``submit``, ``supplement`` and ``withdraw`` of the online machine; these are
recorded with no staff actor and ``data.by = "applicant"``. Clerks pre-review through the staff API
(``pass_pre_review``, ``request_supplement``, ``refuse``), like any other trigger.

Uploaded files are checked by content (PDF, JPEG, PNG magic bytes) and size before anything is
stored, kept under UPLOAD_DIR with random names, and served only to the applicant (with the token)
and to staff who may see the case. Operations flush, never commit; ``add_file`` writes the file and
the caller removes it again if the commit fails (``discard``).
"""

import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from queue_server import outbox
from queue_server.calendar import clock
from queue_server.cases import bundles
from queue_server.cases.intake import (
    hall_in_body,
    new_case,
    open_parts,
    resolve_delivery,
    resolve_jurisdiction,
)
from queue_server.cases.models import Case, CaseFile
from queue_server.cases.schemas import Delivery
from queue_server.cases.transitions import fire_on_parts, fire_trigger
from queue_server.citizen import accepting
from queue_server.citizen import bundles as bundle_plan
from queue_server.citizen.items import published_service, terms_of
from queue_server.citizen.schemas import ApplicationRequest
from queue_server.errors import Conflict, InvalidRequest, InvalidTransition, NotFound, Unauthorized
from queue_server.extensions import db
from queue_server.uploads import Upload, upload_dir
from workflows import case as case_flow

_TOKEN_SALT = "wuban-application"

MAX_FILES_PER_MATERIAL = 10
# States in which the applicant may add or remove files: filling in, or answering a supplement notice.
UPLOAD_STATES = ("draft", "awaiting_supplement")
# Once the result is on its way (or the case ended), the delivery choice is fixed.
DELIVERY_FIXED_STATES = {"ready_for_pickup", "mailing", "delivered", "closed", "not_accepted", "withdrawn"}
# History entries whose note the applicant reads: notices, reasons and decisions addressed to them.
NOTICE_TRIGGERS = {
    "create",
    "submit",
    "supplement",
    "withdraw",
    "pass_pre_review",
    "request_supplement",
    "refuse",
    "approve",
    "deny",
    "notify_pickup",
    "mail",
}
APPLICANT = {"by": "applicant"}
# The modes of the cases an applicant applies for online: 网上办, and 一件事 on the online bundle machine.
ONLINE_MODES = ("online", case_flow.BUNDLE)


def is_application(case: Case) -> bool:
    """Tell whether a case is an online application (网上办, or a 一件事 applied for online)."""
    return case.parent is None and case_flow.applied_online(case.mode, case.workflow_version)


def materials_of(case: Case) -> list[dict]:
    """Return the materials an application asks for: its item's, or each material of a bundle's parts once."""
    if case.mode != case_flow.BUNDLE:
        return list(terms_of(case).materials)
    return bundle_plan.merged_materials(
        (part.service.code, terms_of(part).materials) for part in case.children
    )


# --- the applicant's access token ---


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TOKEN_SALT)


def access_token(case: Case) -> str:
    """Sign the applicant's access token for a case: it names the case and the applicant's phone."""
    return _serializer().dumps({"case": case.case_no, "phone": case.applicant_phone})


def application_for(case_no: str, token: str | None, for_update: bool = False) -> Case:
    """Return the online case the token opens: 401 without a token, 404 for any token not of this case."""
    if not token:
        raise Unauthorized("请提供申请凭证（X-Application-Token）")
    try:
        claims = _serializer().loads(token, max_age=current_app.config["APPLICATION_TOKEN_MAX_AGE_S"])
    except BadSignature:  # SignatureExpired is a BadSignature
        claims = None
    if not isinstance(claims, dict) or claims.get("case") != case_no:
        raise NotFound("申请不存在或申请凭证无效", {"case_no": case_no})
    stmt = select(Case).where(Case.case_no == case_no, Case.mode.in_(ONLINE_MODES), Case.parent_id.is_(None))
    case = db.session.scalar(stmt.with_for_update() if for_update else stmt)
    if case is None or not is_application(case) or case.applicant_phone != claims.get("phone"):
        raise NotFound("申请不存在或申请凭证无效", {"case_no": case_no})
    return case


def recover_access(case_no: str, phone: str, id_number: str) -> str:
    """Issue the access token again to whoever knows the case number, its phone and its ID number."""
    case = db.session.scalar(
        select(Case).where(
            Case.case_no == case_no.upper(), Case.mode.in_(ONLINE_MODES), Case.parent_id.is_(None)
        )
    )
    if (
        case is None
        or not is_application(case)
        or case.applicant_phone != phone
        or case.applicant_id_number != id_number
    ):
        raise NotFound("申请编号、手机号码或身份证号码不正确", {"case_no": case_no})
    return access_token(case)


# --- applying ---


def open_online_application(req: ApplicationRequest) -> Case:
    """Open an online application (网上办) as a draft; the applicant then uploads materials and submits."""
    service = published_service(req.service)
    if service is None:
        raise InvalidRequest({"service": f"事项不存在：{req.service}"})
    if bundle_plan.is_bundle(service):
        return _open_bundle_application(req, service)
    if req.answers:
        raise InvalidRequest({"answers": "只有主题式服务（一件事）才回答导办问题"})
    if "online" not in service.modes:
        raise InvalidRequest({"service": f"“{service.name}”不支持网上办理，请到大厅窗口办理"})
    hall = hall_in_body(req.hall, "hall")
    case = new_case(
        service,
        "online",
        hall,
        req.applicant,
        None,
        clock.now(),
        resolve_delivery(req.delivery, hall, "online"),
        note=req.note,
        data=dict(APPLICANT),
    )
    outbox.record("case_changed", case)
    return case


def _open_bundle_application(req: ApplicationRequest, bundle) -> Case:
    """Open a 一件事 applied for online: a draft parent and the parts its answers need, as at the window."""
    hall = hall_in_body(req.hall, "hall")
    not_here = accepting.refusal(hall, bundle)
    if not_here is not None:
        raise InvalidRequest({"service": not_here})
    needed = bundle_plan.needed_parts(bundle, req.answers)
    at = clock.now()
    delivery = resolve_delivery(req.delivery, hall, "online")
    case = new_case(
        bundle,
        case_flow.BUNDLE,
        hall,
        req.applicant,
        None,
        at,
        delivery,
        note=req.note,
        data={**APPLICANT, "answers": dict(req.answers), "parts": needed},
        jurisdiction=resolve_jurisdiction(None, hall),
        version=case_flow.ONLINE_BUNDLE_VERSION,
    )
    open_parts(case, needed, req.applicant, None, at, delivery)
    outbox.record("case_changed", case)
    return case


def choose_delivery(case: Case, choice: Delivery) -> Case:
    """Set how the applicant receives the result: pickup at a hall or mail, until it is handed over."""
    if case.state in DELIVERY_FIXED_STATES:
        raise InvalidTransition(case.state, "choose_delivery", [], "办件已出件或已结束，不能再更改领取方式")
    for column, value in resolve_delivery(choice, case.hall, case.mode).items():
        setattr(case, column, value)
    db.session.flush()
    outbox.record("case_changed", case)
    return case


# --- uploads ---


def add_file(case: Case, material: str | None, upload: Upload) -> tuple[CaseFile, Path]:
    """Store a checked upload for one of the case's materials; return its row and the file written.

    The file is written before the row is flushed; if the transaction fails afterwards, the caller
    removes the file again with ``discard``.
    """
    if case.state not in UPLOAD_STATES:
        raise InvalidTransition(case.state, "upload", [], "当前状态不能上传材料")
    material = (material or "").strip()
    if not material:
        raise InvalidRequest({"material": "请选择文件对应的申请材料"})
    # A line of the supplement notice (一次性告知) may name something that is not on the item's list.
    if material not in case.missing and material not in {m["name"] for m in materials_of(case)}:
        raise InvalidRequest({"material": f"不是该事项的申请材料：{material}"})
    count = db.session.scalar(
        select(db.func.count())
        .select_from(CaseFile)
        .where(CaseFile.case_id == case.id, CaseFile.material == material)
    )
    if count >= MAX_FILES_PER_MATERIAL:
        raise InvalidRequest({"material": f"每项材料最多上传 {MAX_FILES_PER_MATERIAL} 个文件"})

    stored_name = f"{case.case_no}/{secrets.token_hex(16)}{upload.extension}"
    path = upload_dir() / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(upload.content)
    os.replace(partial, path)
    row = CaseFile(
        case_id=case.id,
        material=material,
        original_name=upload.original_name,
        stored_name=stored_name,
        mime=upload.mime,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        uploaded_at=clock.now(),
    )
    db.session.add(row)
    try:
        db.session.flush()
    except Exception:
        discard(path)
        raise
    return row, path


def discard(path: Path) -> None:
    """Remove a stored file whose row was not committed."""
    path.unlink(missing_ok=True)


def remove_file(case: Case, file_id: int) -> Path:
    """Remove a file the applicant has not yet sent; return its path, to delete after the commit."""
    row = _file_of(case, file_id)
    if case.state not in UPLOAD_STATES or row.submitted_at is not None:
        raise InvalidTransition(case.state, "remove_file", [], "已提交的材料不能删除")
    db.session.delete(row)
    db.session.flush()
    return upload_dir() / row.stored_name


def _file_of(case: Case, file_id: int) -> CaseFile:
    row = db.session.get(CaseFile, file_id)
    if row is None or row.case_id != case.id:
        raise NotFound(f"文件不存在：{file_id}", {"file_id": file_id})
    return row


def staff_files(case: Case) -> list[CaseFile]:
    """List the files sent for a case; a part of a 一件事 applied online shows the bundle's files it uses."""
    if case.parent is not None and is_application(case.parent):
        own = {m["name"] for m in terms_of(case).materials}
        return [row for row in files_of(case.parent, sent_only=True) if row.material in own]
    return files_of(case, sent_only=True)


def staff_file(case: Case, file_id: int) -> CaseFile:
    """Return a file the applicant has sent (staff never see one still being prepared)."""
    row = next((row for row in staff_files(case) if row.id == file_id), None)
    if row is None:
        raise NotFound(f"文件不存在：{file_id}", {"file_id": file_id})
    return row


def applicant_file(case: Case, file_id: int) -> CaseFile:
    """Return one of the applicant's own files."""
    return _file_of(case, file_id)


def stored_path(row: CaseFile) -> Path:
    """Return where a file is kept; 404 if it has gone missing from the disk."""
    path = upload_dir() / row.stored_name
    if not path.is_file():
        raise NotFound("文件已不存在，请联系服务大厅", {"file_id": row.id})
    return path


def files_of(case: Case, sent_only: bool = False) -> list[CaseFile]:
    """List the case's files in upload order (only those sent to pre-review when asked)."""
    stmt = select(CaseFile).where(CaseFile.case_id == case.id).order_by(CaseFile.id)
    if sent_only:
        stmt = stmt.where(CaseFile.submitted_at.is_not(None))
    return list(db.session.scalars(stmt))


# --- the applicant's triggers ---


def submit_application(case: Case, note: str | None = None) -> Case:
    """Send the application to pre-review (网上预审); every required material needs a file."""
    _check_allowed(case, "submit")
    names = {row.material for row in files_of(case)}
    missing = {
        f"materials.{m['name']}": "请上传该材料"
        for m in materials_of(case)
        if m.get("required") and m["name"] not in names
    }
    if missing:
        raise InvalidRequest(missing, "还有必需的申请材料未上传")
    return _fire(case, "submit", note)


def supplement_application(case: Case, note: str | None = None) -> Case:
    """Send the supplementary materials the one complete notice asked for; back to where it was noticed."""
    _check_allowed(case, "supplement")
    if not any(row.submitted_at is None for row in files_of(case)):
        raise InvalidRequest({"files": "请先上传补正材料"}, "尚未上传补正材料")
    return _fire(case, "supplement", note)


def withdraw_application(case: Case, note: str | None = None) -> Case:
    """Withdraw the application (撤回), at any point before the decision (a bundle: before any part's)."""
    _check_allowed(case, "withdraw")
    refused = bundles.refusal(case, "withdraw")
    if refused is not None:
        raise Conflict(*refused)
    return _fire(case, "withdraw", note)


def _check_allowed(case: Case, trigger: str) -> None:
    allowed = case_flow.definition(case.mode, case.workflow_version).allowed_triggers(case.state)
    if trigger not in allowed:
        raise InvalidTransition(
            case.state,
            trigger,
            allowed,
            f"申请当前为“{case_flow.STATE_NAMES[case.state]}”，不能{case_flow.TRIGGER_NAMES[trigger]}",
        )


def _fire(case: Case, trigger: str, note: str | None) -> Case:
    at = clock.now()
    sends_files = trigger in ("submit", "supplement")
    sent = [row for row in files_of(case) if row.submitted_at is None] if sends_files else []
    history = {**APPLICANT, "files": [row.id for row in sent]} if sent else dict(APPLICANT)
    fire_trigger(case, trigger, None, at, note=note, history=history)
    if sends_files:
        for row in sent:
            row.submitted_at = at
        case.materials = _materials_received(case)
        for part in case.children:  # 一次提交、多次复用: each part holds the materials it lists
            own = {m["name"] for m in terms_of(part).materials}
            part.materials = [m for m in case.materials if m["name"] in own]
    if trigger == "supplement":
        case.missing = []
    if trigger in ("supplement", "withdraw"):
        for pause in case.pauses:  # a supplement noticed during review stopped the clock
            if pause.ended_at is None:
                pause.ended_at = at
    if trigger == "withdraw":
        fire_on_parts(case, trigger, at, note)
    db.session.flush()
    return case


def _materials_received(case: Case) -> list[dict]:
    """List the materials received online, as the case's ``materials`` (scans: no original seen)."""
    counts: dict[str, int] = {}
    for row in files_of(case):
        if row.submitted_at is not None:
            counts[row.material] = counts.get(row.material, 0) + 1
    return [{"name": name, "original_seen": False, "copies": 0, "files": n} for name, n in counts.items()]


# --- what the applicant sees (citizen/answers.py: ApplicationOut) ---

# The notices the applicant may download (the same PDFs the window prints), by the triggers that gave them.
APPLICANT_DOCUMENTS = {
    "acceptance": ("pass_pre_review",),
    "supplement": ("request_supplement",),
    "refusal": ("refuse",),
}


def applicant_document(case: Case, kind: str) -> bytes:
    """Render one of the notices the applicant was given (受理、一次性告知、不予受理通知书)."""
    from queue_server.cases.queries import case_document

    if kind not in APPLICANT_DOCUMENTS:
        raise NotFound(f"没有此类文书：{kind}", {"kind": kind})
    return case_document(case, kind)
