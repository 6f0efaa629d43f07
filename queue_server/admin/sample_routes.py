"""示例文本 over the API: kept in the console (multipart upload, removal), served to the public guide.

See ``queue_server/admin/samples.py`` for what is checked and which version the public sees.
"""

from typing import Annotated, ClassVar
from urllib.parse import quote

from flask import Blueprint, Response, request
from pydantic import AliasPath, BaseModel, Field

from queue_server.accounts import policy
from queue_server.accounts.auth import acting_user
from queue_server.admin import samples, services
from queue_server.api.answers import Answer, Error, HallTime
from queue_server.api.spec import operation, reply
from queue_server.errors import InvalidRequest, NotFound
from queue_server.security import csrf
from queue_server.uploads import admit_upload_size

bp = Blueprint("samples", __name__)
csrf.exempt(bp)  # a bearer-token API, as the blueprints it is nested in

FILE = {"type": "string", "format": "binary"}
SAMPLE_FILE = {
    "description": "示例文本文件 The sample file",
    "content": {mime: {"schema": FILE} for mime in ("application/pdf", "image/jpeg", "image/png")},
}


class SampleForm(BaseModel):
    """multipart/form-data: the material's name and its sample file (read by hand)."""

    content_type: ClassVar[str] = "multipart/form-data"
    material: Annotated[str, Field(description="材料名称（与事项的申请材料一致） The material's name")]
    file: Annotated[bytes, Field(description="PDF、JPG 或 PNG A PDF, JPEG or PNG file")]


class SampleOut(Answer):
    """A material's sample; ``url``: where the public reads it (null while the material is not published)."""

    id: int
    material: str
    filename: str
    mime: str
    size: int
    uploaded_at: HallTime
    uploaded_by: str | None = Field(None, validation_alias=AliasPath("uploaded_by", "username"))
    url: str | None = None


class SampleList(Answer):
    items: list[SampleOut]


class PublicSampleOut(Answer):
    """A material of the published guide with a sample: its number (from 1), name and the file's URL."""

    material_id: int
    material: str
    filename: str
    mime: str
    url: str


def _sample_url(code: str, material_id: int) -> str:
    return f"/api/v1/services/{quote(code, safe='')}/materials/{material_id}/sample"


def _published_numbers(code: str) -> dict[str, int]:
    """Return the material numbers of the version in effect by material name (none: not public)."""
    try:
        return {sample.material: number for number, sample in samples.public_samples(code)}
    except NotFound:  # not in effect yet: no public URL
        return {}


def _listed(code: str, rows) -> dict:
    numbers = _published_numbers(code)
    items = []
    for sample in rows:
        answer = SampleOut.model_validate(sample)
        number = numbers.get(sample.material)
        answer.url = _sample_url(code, number) if number is not None else None
        items.append(answer)
    return {"items": items}


admit_upload_size(
    bp, "api.admin.samples.upload_sample", samples.sample_limit, "示例文本太大：不能超过 {size}"
)


def _item(code: str, action: str):
    """Return the acting user and the item in the path (404) once the policy allows the action (403)."""
    actor = acting_user()
    policy.require(actor, "admin.console")
    policy.require(actor, action)
    return actor, services.get_item(code)


@bp.get("/admin/services/<code>/samples")
@operation(staff=True, answers={200: SampleList, 403: Error, 404: Error})
def list_samples(code: str):
    """事项各材料的示例文本 An item's material samples"""
    actor, item = _item(code, "service.read")
    return reply(SampleList, _listed(item.code, samples.list_samples(actor, item)))


@bp.post("/admin/services/<code>/samples")
@operation(staff=True, body=SampleForm, answers={201: SampleOut, 403: Error, 404: Error, 413: Error})
def upload_sample(code: str):
    """上传材料的示例文本（multipart：material、file；PDF、JPG 或 PNG），替换原有的 Set a material's sample"""
    actor, item = _item(code, "service.administer")
    material = (request.form.get("material") or "").strip()
    if not material:
        raise InvalidRequest({"material": "请选择材料"})
    sample = samples.set_sample(actor, item, material, samples.read_upload(request.files.get("file")))
    listed = _listed(item.code, [sample])["items"][0]
    return reply(SampleOut, listed, 201)


@bp.delete("/admin/services/<code>/samples/<int:sample_id>")
@operation(staff=True, answers={204: None, 403: Error, 404: Error})
def delete_sample(code: str, sample_id: int):
    """删除材料的示例文本（公众页面改为显示材料说明） Remove a material's sample"""
    actor, item = _item(code, "service.administer")
    samples.delete_sample(actor, item, samples.get_sample(item, sample_id))
    return "", 204


@bp.get("/services/<code>/samples")
@operation(limit="RATELIMIT_PUBLIC", answers={200: list[PublicSampleOut], 404: Error})
def public_samples(code: str):
    """办事指南中有示例文本的材料（现行版本） The published materials that have a sample"""
    rows = [
        {
            "material_id": number,
            "material": sample.material,
            "filename": sample.filename,
            "mime": sample.mime,
            "url": _sample_url(code, number),
        }
        for number, sample in samples.public_samples(code)
    ]
    return reply(list[PublicSampleOut], rows)


@bp.get("/services/<code>/materials/<int:material_id>/sample")
@operation(limit="RATELIMIT_PUBLIC", answers={200: SAMPLE_FILE, 304: None, 404: Error})
def material_sample(code: str, material_id: int):
    """材料的示例文本（material_id：现行版本材料清单中的序号，从 1 起） A material's sample"""
    sample = samples.public_sample(code, material_id)
    response = Response(sample.content, mimetype=sample.mime)
    response.headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(sample.filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-cache"  # asked again each time (ETag): a new sample shows at once
    response.set_etag(sample.sha256[:32])
    return response.make_conditional(request)
