"""示例文本 through the API: kept per material by administrators, served for the published version."""

import io

import pytest

from queue_server.citizen.sample_models import MaterialSample
from queue_server.extensions import db
from tests.admin.conftest import HALL_ADMIN
from tests.admin.test_services_api import ITEM
from tests.conftest import assert_error

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(
    items, material: str, content: bytes, name: str = "sample.pdf", as_user: str = "admin", code="T-001"
):
    form = {"material": material, "file": (io.BytesIO(content), name)}
    return items.upload(f"/admin/services/{code}/samples", form, as_user)


def _published(items, code: str = "T-001"):
    items("POST", "/admin/services", json={**ITEM, "code": code}, expect=201)
    items("POST", f"/admin/services/{code}/publish", json={}, expect=200)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(MaterialSample))


def test_a_sample_is_served_beside_its_published_material(app, items):
    """Is an uploaded sample public at a stable URL, replaced in place, removed again, each audited?"""
    _published(items)
    answer = _upload(items, "场所证明", PDF, "场所证明示例.pdf")
    assert answer.status_code == 201, answer.get_json()
    sample = answer.get_json()
    assert sample["material"] == "场所证明" and sample["mime"] == "application/pdf"
    assert sample["filename"] == "场所证明示例.pdf" and sample["size"] == len(PDF)
    assert sample["uploaded_by"] == "admin" and sample["url"] == "/api/v1/services/T-001/materials/2/sample"

    public = items.api.get("/services/T-001/samples").get_json()
    assert public == [
        {
            "material_id": 2,
            "material": "场所证明",
            "filename": "场所证明示例.pdf",
            "mime": "application/pdf",
            "url": sample["url"],
        }
    ]
    served = items.api.client.get(sample["url"])
    assert served.status_code == 200 and served.get_data() == PDF and served.mimetype == "application/pdf"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    again = items.api.client.get(sample["url"], headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    assert_error(
        items.api.get("/services/T-001/materials/1/sample"), 404, "not_found"
    )  # no sample: the guide
    assert items.api.get("/services/T-001/materials/1/guide").status_code == 200

    replaced = _upload(items, "场所证明", PNG, "photo.png").get_json()
    assert replaced["id"] == sample["id"] and replaced["mime"] == "image/png"
    assert items.api.client.get(sample["url"]).get_data() == PNG
    assert _count(app) == 1

    entries = items.audit(object="service:T-001")["items"]
    assert [entry["action"] for entry in entries[:2]] == ["service.sample_set", "service.sample_set"]
    assert (
        entries[0]["before"]["filename"] == "场所证明示例.pdf" and entries[0]["after"]["mime"] == "image/png"
    )
    assert entries[1]["before"] is None and "content" not in entries[1]["after"]

    items("DELETE", f"/admin/services/T-001/samples/{sample['id']}", expect=204)
    assert_error(items.api.client.get(sample["url"]), 404, "not_found")
    assert items.api.get("/services/T-001/samples").get_json() == []
    assert items.audit(object="service:T-001")["items"][0]["action"] == "service.sample_deleted"
    assert_error(items("DELETE", f"/admin/services/T-001/samples/{sample['id']}"), 404, "not_found")


def test_a_sample_follows_its_material_from_version_to_version(items):
    """Does a draft's material get a sample only public once published, numbered as that version lists it?"""
    _published(items)
    materials = [{"name": "新增材料", "form": "copy"}, *ITEM["materials"]]
    items("PATCH", "/admin/services/T-001", json={"materials": materials}, expect=200)
    draft = _upload(items, "新增材料", PDF).get_json()
    assert draft["url"] is None  # the version in effect has no such material yet
    assert_error(items.api.get("/services/T-001/materials/3/sample"), 404, "not_found")
    kept = _upload(items, "申请书", PDF).get_json()
    assert kept["url"] == "/api/v1/services/T-001/materials/1/sample"

    items("POST", "/admin/services/T-001/publish", json={}, expect=200)
    listed = items("GET", "/admin/services/T-001/samples", expect=200).get_json()["items"]
    urls = {sample["material"]: sample["url"] for sample in listed}
    assert urls == {
        "新增材料": "/api/v1/services/T-001/materials/1/sample",
        "申请书": "/api/v1/services/T-001/materials/2/sample",
    }
    assert [row["material_id"] for row in items.api.get("/services/T-001/samples").get_json()] == [1, 2]


def test_a_bad_sample_changes_nothing(app, items, monkeypatch):
    """Are a file that is no PDF or image, an unknown material, no file and a too large file refused?"""
    _published(items)
    before = items.audit(object="service:T-001")["total"]
    fields = assert_error(_upload(items, "申请书", b"<html>hello</html>", "x.pdf"), 400, "invalid_request")
    assert "file" in fields["fields"]
    fields = assert_error(_upload(items, "没有这项", PDF), 400, "invalid_request")
    assert "material" in fields["fields"]
    empty = items.upload("/admin/services/T-001/samples", {"material": "申请书"})
    assert "file" in assert_error(empty, 400, "invalid_request")["fields"]
    monkeypatch.setitem(app.config, "SAMPLE_MAX_BYTES", 1024)
    details = assert_error(_upload(items, "申请书", PDF + b"0" * 2048), 413, "too_large")
    assert details["max_bytes"] == 1024
    # A request larger than the file may be is refused before it is read.
    whole = _upload(items, "申请书", PDF + b"0" * 80 * 1024)
    assert assert_error(whole, 413, "too_large") == {"max_bytes": 1024}
    assert whole.get_json()["error"]["message"] == "示例文本太大：不能超过 1 KB"
    monkeypatch.undo()
    assert_error(_upload(items, "申请书", PDF, code="T-NONE"), 404, "not_found")
    assert _count(app) == 0
    assert items.audit(object="service:T-001")["total"] == before


@pytest.mark.parametrize("user", [HALL_ADMIN, "clerk1"])
def test_only_administrators_keep_samples(items, user):
    """May a hall admin list the samples but not change them; a clerk neither; no token 401?"""
    _published(items)
    sample = _upload(items, "申请书", PDF).get_json()
    listing = items("GET", "/admin/services/T-001/samples", as_user=user)
    if user == HALL_ADMIN:
        assert listing.status_code == 200 and listing.get_json()["items"][0]["id"] == sample["id"]
    else:
        assert_error(listing, 403, "forbidden")
    assert_error(_upload(items, "申请书", PNG, as_user=user), 403, "forbidden")
    assert_error(
        items("DELETE", f"/admin/services/T-001/samples/{sample['id']}", as_user=user), 403, "forbidden"
    )
    assert_error(items("GET", "/admin/services/T-001/samples", as_user=None), 401, "unauthorized")
    assert items.api.client.get(sample["url"]).get_data() == PDF
