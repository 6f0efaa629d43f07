"""Handing a result over (deliver): who collects it at the pickup window, or who signed for its mail.

At the window (统一出件) the collector is the applicant (本人, the clerk checks the ID card and types its
number, which must be the applicant's) or someone the applicant authorised (受托人: name, ID number and
the power of attorney, 授权委托书, taken). A mailed result is handed over when its receipt is signed
(签收人, 签收时间). The collector may sign on screen (a PNG drawn on a canvas) instead of on the printed
送达回证. Operations flush, never commit.
"""

import base64
import binascii
from datetime import datetime, timedelta
from io import BytesIO

from PIL import Image, ImageChops, UnidentifiedImageError
from sqlalchemy import select

from queue_server.accounts.models import User
from queue_server.calendar import clock
from queue_server.cases.models import Case, CaseEvent, CaseHandover
from queue_server.errors import InvalidRequest
from queue_server.extensions import db
from queue_server.schemas import DeliverData, id_number_problem

COLLECTOR_KINDS = {"self": "本人", "proxy": "受托人"}

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SIGNATURE_MAX_BYTES = 400 * 1024
SIGNATURE_MAX_SIDE = 2400
# A receipt signed a little "in the future" is a clock that runs fast, not a mistake.
CLOCK_SKEW = timedelta(minutes=5)


def check_handover(case: Case, data: DeliverData, at: datetime) -> None:
    """Refuse (400, every bad field named) a hand-over that does not say who took the result."""
    fields: dict[str, str] = {}
    if case.state == "ready_for_pickup":
        fields |= _collector_problems(case, data)
        if data.receipt is not None:
            fields["data.receipt"] = "窗口领取无需登记邮件签收"
    elif case.state == "mailing":
        if data.collector is not None:
            fields["data.collector"] = "邮寄送达请登记签收人和签收时间"
        if data.signature is not None:
            fields["data.signature"] = "邮寄送达无需当场签名"
        if data.receipt is not None:
            fields |= _receipt_problems(case, data, at)
    if data.signature is not None and "data.signature" not in fields:
        try:
            signature_png(data.signature)
        except ValueError as exc:
            fields["data.signature"] = str(exc)
    if fields:
        raise InvalidRequest(fields)


def _collector_problems(case: Case, data: DeliverData) -> dict[str, str]:
    collector = data.collector
    if collector is None:
        return {"data.collector": "请登记领取人：本人或受托人"}
    fields: dict[str, str] = {}
    number = collector.id_number
    if not number:
        who = "受托人" if collector.kind == "proxy" else "领取人"
        fields["data.collector.id_number"] = f"请填写{who}身份证号"
    elif problem := id_number_problem(number):
        fields["data.collector.id_number"] = problem
    if collector.kind == "self":
        if number and "data.collector.id_number" not in fields and number != case.applicant_id_number:
            fields["data.collector.id_number"] = "与申请人身份证号不一致；他人代领请选择“受托人”"
        if collector.name and collector.name != case.applicant_name:
            fields["data.collector.name"] = "本人领取时姓名应与申请人一致"
        if not collector.id_checked:
            fields["data.collector.id_checked"] = "请核验领取人的身份证件"
    else:
        if not collector.name:
            fields["data.collector.name"] = "请填写受托人姓名"
        if number and "data.collector.id_number" not in fields and number == case.applicant_id_number:
            fields["data.collector.id_number"] = "受托人与申请人为同一人，请选择“本人”"
        if not collector.proxy_letter:
            fields["data.collector.proxy_letter"] = "请收取并核对申请人的授权委托书"
    return fields


def _receipt_problems(case: Case, data: DeliverData, at: datetime) -> dict[str, str]:
    signed_at = signed_time(data)
    if signed_at > at + CLOCK_SKEW:
        return {"data.receipt.signed_at": "签收时间不能晚于现在"}
    last_mail = (
        select(CaseEvent.at)
        .where(CaseEvent.case_id == case.id, CaseEvent.trigger == "mail")
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    mailed = db.session.scalar(last_mail)
    if mailed is not None and signed_at < mailed - CLOCK_SKEW:
        return {"data.receipt.signed_at": "签收时间不能早于寄出时间"}
    return {}


def signed_time(data: DeliverData) -> datetime:
    """Return the receipt's signing time, aware (a time written without an offset is hall time)."""
    signed_at = data.receipt.signed_at
    return signed_at if signed_at.tzinfo else signed_at.replace(tzinfo=clock.hall_tz())


def signature_png(data_url: str) -> bytes:
    """Decode a signature's PNG data URL; ValueError (in Chinese) when it is no drawing."""
    try:
        raw = base64.b64decode(data_url.split(",", 1)[1], validate=True)
    except (binascii.Error, IndexError):
        raise ValueError("签名图片无法读取") from None
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise ValueError(f"签名图片过大（最大 {SIGNATURE_MAX_BYTES // 1024} KB）")
    if not raw.startswith(PNG_MAGIC):
        raise ValueError("签名应为 PNG 图片")
    try:
        with Image.open(BytesIO(raw)) as image:
            if max(image.size) > SIGNATURE_MAX_SIDE:
                raise ValueError("签名图片尺寸过大")
            drawn = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValueError("签名图片无法读取") from None
    paper = Image.new("RGBA", drawn.size, (255, 255, 255, 255))
    ink = ImageChops.difference(Image.alpha_composite(paper, drawn).convert("L"), paper.convert("L"))
    if ink.point(lambda level: 255 if level > 40 else 0).getbbox() is None:
        raise ValueError("签名为空，请签名后再确认，或打印送达回证纸面签名")
    return raw


def record_handover(case: Case, data: DeliverData, actor: User | None, at: datetime) -> CaseHandover:
    """Record who took the result (a bundle's parts get their bundle's record)."""
    source = _from_data(case, data)
    row = CaseHandover(
        case_id=case.id,
        method=source.method,
        collector_kind=source.collector_kind,
        collector_name=source.collector_name,
        collector_id_number=source.collector_id_number,
        id_checked=source.id_checked,
        proxy_letter=source.proxy_letter,
        waybill_no=case.waybill_no,
        signed_at=source.signed_at,
        signature_png=source.signature_png,
        clerk_id=actor.id if actor is not None else None,
        at=at,
    )
    db.session.add(row)
    case.handover = row
    return row


def _from_data(case: Case, data: DeliverData) -> CaseHandover:
    signature = signature_png(data.signature) if data.signature else None
    if case.delivery_method == "mail":
        receipt = data.receipt
        return CaseHandover(
            method="mail",
            collector_name=receipt.signed_by if receipt else None,
            signed_at=signed_time(data) if receipt else None,
            id_checked=False,
            proxy_letter=False,
            signature_png=signature,
        )
    collector = data.collector
    if collector is None:  # a bundle's part, or a caller before collectors were recorded
        return CaseHandover(method="pickup", id_checked=False, proxy_letter=False, signature_png=signature)
    name = case.applicant_name if collector.kind == "self" else collector.name
    return CaseHandover(
        method="pickup",
        collector_kind=collector.kind,
        collector_name=name,
        collector_id_number=collector.id_number,
        id_checked=collector.id_checked,
        proxy_letter=collector.proxy_letter,
        signed_at=None,
        signature_png=signature,
    )


def history_data(data: DeliverData) -> dict:
    """Return what a deliver's history row keeps: 容缺 materials and who took it, no ID number or image."""
    kept: dict = {"received": list(data.received)}
    if data.collector is not None:
        kept["collector"] = {"kind": data.collector.kind}
        if data.collector.kind == "proxy" and data.collector.name:
            kept["collector"]["name"] = data.collector.name
    if data.receipt is not None:
        signed_at = clock.to_hall_iso(signed_time(data))
        kept["receipt"] = {"signed_by": data.receipt.signed_by, "signed_at": signed_at}
    if data.signature:
        kept["signed_on_screen"] = True
    return kept
