"""示例文本: one sample file per material of an item, kept by administrators and shown on the public guide.

A sample belongs to a material by its name, so it stays with the material from version to version.
The file is checked by its content (PDF, JPEG or PNG) and size (``SAMPLE_MAX_BYTES``) and kept in the
database (``material_samples``), so backups, restores and PostgreSQL carry it like any row. The public
reads the sample of a material of the version in effect; where a material has none, its generated
申请材料说明 (``queue_server/citizen/material_samples.py``) stays the guide's only link. Operations flush,
never commit; every upload and removal is in the audit log (``service:{code}``).
"""

import hashlib

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from queue_server.accounts import policy
from queue_server.admin import audit
from queue_server.admin.services import item_view
from queue_server.calendar import clock
from queue_server.citizen.items import get_service
from queue_server.citizen.models import ServiceItem
from queue_server.citizen.sample_models import MaterialSample
from queue_server.errors import InvalidRequest, NotFound
from queue_server.extensions import db
from queue_server.uploads import Upload, check_upload

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def sample_limit() -> int:
    """Return the largest sample file accepted, in bytes (``SAMPLE_MAX_BYTES``, default 5 MB)."""
    return int(current_app.config.get("SAMPLE_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_upload(file) -> Upload:
    """Read an uploaded sample and check it by its content: 413 when too large, 400 when not PDF/JPEG/PNG."""
    return check_upload(file, sample_limit(), "示例文本")


def sample_record(sample: MaterialSample) -> dict:
    """Describe a sample as the audit log keeps it (never its bytes)."""
    return {
        "material": sample.material,
        "filename": sample.filename,
        "mime": sample.mime,
        "size": sample.size,
        "sha256": sample.sha256,
    }


def material_names(item: ServiceItem) -> list[str]:
    """Return the names of the item's materials: as edited (its draft) and as in effect."""
    names = [material["name"] for material in item_view(item)["materials"]]
    names += [material["name"] for material in item.materials or [] if material["name"] not in names]
    return names


def list_samples(actor, item: ServiceItem) -> list[MaterialSample]:
    """Return the item's samples, by material name."""
    policy.require(actor, "service.read")
    return list(
        db.session.scalars(
            select(MaterialSample)
            .where(MaterialSample.service_id == item.id)
            .options(joinedload(MaterialSample.uploaded_by))
            .order_by(MaterialSample.material)
        ).all()
    )


def set_sample(actor, item: ServiceItem, material: str, upload: Upload) -> MaterialSample:
    """Keep the upload as the sample of the item's material, replacing the one it had."""
    policy.require(actor, "service.administer")
    if material not in material_names(item):
        raise InvalidRequest({"material": f"该事项没有这项材料：{material}"})
    sample = db.session.scalar(
        select(MaterialSample).where(
            MaterialSample.service_id == item.id, MaterialSample.material == material
        )
    )
    before = sample_record(sample) if sample is not None else None
    if sample is None:
        sample = MaterialSample(item=item, material=material)
        db.session.add(sample)
    sample.filename = upload.original_name
    sample.mime = upload.mime
    sample.size = len(upload.content)
    sample.sha256 = hashlib.sha256(upload.content).hexdigest()
    sample.content = upload.content
    sample.uploaded_at = clock.now()
    sample.uploaded_by = actor.record() if actor is not None else None
    db.session.flush()
    audit.record(actor, "service.sample_set", f"service:{item.code}", before, sample_record(sample))
    return sample


def get_sample(item: ServiceItem, sample_id: int) -> MaterialSample:
    """Return the item's sample with this id, or answer 404."""
    sample = db.session.get(MaterialSample, sample_id)
    if sample is None or sample.service_id != item.id:
        raise NotFound(f"该事项没有这个示例文本：{sample_id}", {"sample": sample_id})
    return sample


def delete_sample(actor, item: ServiceItem, sample: MaterialSample) -> None:
    """Remove a sample: the public guide falls back to the generated 申请材料说明."""
    policy.require(actor, "service.administer")
    record = sample_record(sample)
    db.session.delete(sample)
    db.session.flush()
    audit.record(actor, "service.sample_deleted", f"service:{item.code}", record, None)


def public_samples(code: str) -> list[tuple[int, MaterialSample]]:
    """Return (material number from 1, sample) for each material of the version in effect that has one."""
    version = get_service(code)
    samples = {
        sample.material: sample
        for sample in db.session.scalars(
            select(MaterialSample).where(MaterialSample.service_id == version.service_id)
        )
    }
    return [
        (number, samples[material["name"]])
        for number, material in enumerate(version.materials, start=1)
        if material["name"] in samples
    ]


def public_sample(code: str, material_id: int) -> MaterialSample:
    """Return the sample of a material (numbered from 1) of the version in effect, or answer 404."""
    version = get_service(code)
    if not 1 <= material_id <= len(version.materials):
        raise NotFound(f"该事项没有第 {material_id} 项材料", {"material_id": material_id})
    name = version.materials[material_id - 1]["name"]
    sample = db.session.scalar(
        select(MaterialSample).where(
            MaterialSample.service_id == version.service_id, MaterialSample.material == name
        )
    )
    if sample is None:
        raise NotFound(f"材料“{name}”没有示例文本", {"material_id": material_id})
    return sample
