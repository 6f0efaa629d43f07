"""Staff 工号 and photos through the administration API, and a window's clerk photo (SQLite, PostgreSQL)."""

import io

from PIL import Image

from tests.conftest import assert_error

CLERK = {
    "username": "t_photo_clerk",
    "name": "照片测试员",
    "password": "photo-passw0rd",
    "roles": ["clerk"],
    "hall": "xiqu",
    "employee_no": "XQ-9001",
}


def _picture(size=(1200, 900), kind="PNG", mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 255) if mode == "RGBA" else (200, 30, 30)).save(out, kind)
    return out.getvalue()


def _upload(admin, username: str, content: bytes, name: str = "me.png", as_user: str = "admin"):
    return admin.upload(f"/admin/users/{username}/photo", {"file": (io.BytesIO(content), name)}, as_user)


def test_employee_numbers_are_set_unique_and_audited(admin):
    """Is 工号 answered, refused when taken (409) or malformed (400), changed and cleared, audited?"""
    user = admin("POST", "/admin/users", json=CLERK, expect=201).get_json()
    assert user["employee_no"] == "XQ-9001" and user["photo_at"] is None
    other = {**CLERK, "username": "t_photo_other"}
    details = assert_error(admin("POST", "/admin/users", json=other), 409, "conflict")
    assert details["fields"] == {"employee_no": "工号已被使用"}
    bad = assert_error(
        admin("POST", "/admin/users", json={**other, "employee_no": "工号 1"}), 400, "invalid_request"
    )
    assert "employee_no" in bad["fields"]
    admin("POST", "/admin/users", json={**other, "employee_no": None}, expect=201)
    taken = admin("PATCH", "/admin/users/t_photo_other", json={"employee_no": "XQ-9001"})
    assert assert_error(taken, 409, "conflict")["fields"] == {"employee_no": "工号已被使用"}
    moved = admin(
        "PATCH", "/admin/users/t_photo_clerk", json={"employee_no": "XQ-9002"}, expect=200
    ).get_json()
    assert moved["employee_no"] == "XQ-9002"
    admin("PATCH", "/admin/users/t_photo_other", json={"employee_no": "XQ-9001"}, expect=200)
    cleared = admin("PATCH", "/admin/users/t_photo_clerk", json={"employee_no": None}, expect=200).get_json()
    assert cleared["employee_no"] is None
    entries = admin.audit(object="user:t_photo_clerk")["items"]
    assert [(e["action"], e["after"].get("employee_no")) for e in entries][:3] == [
        ("user.updated", None),
        ("user.updated", "XQ-9002"),
        ("user.created", "XQ-9001"),
    ]


def test_a_photo_is_checked_bounded_served_to_admins_and_audited(app, admin):
    """Is an upload checked by content, stored as a JPEG within 480×600, served to admins only, audited?"""
    admin("POST", "/admin/users", json=CLERK, expect=201)
    answer = _upload(admin, "t_photo_clerk", _picture((1200, 1800)))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["photo_at"]
    served = admin("GET", "/admin/users/t_photo_clerk/photo", expect=200)
    assert served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "JPEG" and image.size == (400, 600)
    assert not image.getexif()
    # The hall admin of xiqu administers the clerk; a clerk does not.
    admin("GET", "/admin/users/t_photo_clerk/photo", as_user="t_hall_admin", expect=200)
    assert_error(admin("GET", "/admin/users/t_photo_clerk/photo", as_user="clerk1"), 403, "forbidden")
    assert_error(_upload(admin, "t_photo_clerk", _picture(), as_user="clerk1"), 403, "forbidden")
    # Anything but a JPEG or PNG, a broken one, a missing file: 400 naming the file; nothing changes.
    for content, name in ((b"<svg onload=alert(1)>", "x.png"), (b"\x89PNG\r\n\x1a\nbroken", "y.png")):
        assert (
            "file"
            in assert_error(_upload(admin, "t_photo_clerk", content, name), 400, "invalid_request")["fields"]
        )
    app.config["STAFF_PHOTO_MAX_BYTES"] = 2000
    try:
        assert_error(
            _upload(admin, "t_photo_clerk", _picture((600, 600), mode="RGB", kind="BMP")), 413, "too_large"
        )
        # A request larger than the photo may be is refused before it is read.
        whole = _upload(admin, "t_photo_clerk", b"\xff\xd8\xff" + b"0" * 80 * 1024, "big.jpg")
        assert assert_error(whole, 413, "too_large") == {"max_bytes": 2000}
        assert whole.get_json()["error"]["message"] == "照片文件太大：不能超过 1.95312 KB"
    finally:
        app.config.pop("STAFF_PHOTO_MAX_BYTES")
    jpeg = _upload(admin, "t_photo_clerk", _picture((300, 200), kind="JPEG", mode="RGB"), "me.jpg")
    assert jpeg.status_code == 200
    assert Image.open(io.BytesIO(admin("GET", "/admin/users/t_photo_clerk/photo").data)).size == (300, 200)
    actions = [entry["action"] for entry in admin.audit(object="user:t_photo_clerk")["items"]]
    assert actions[:2] == ["user.photo_set", "user.photo_set"]
    removed = admin("DELETE", "/admin/users/t_photo_clerk/photo", expect=200).get_json()
    assert removed["photo_at"] is None
    assert_error(admin("GET", "/admin/users/t_photo_clerk/photo"), 404, "not_found")
    assert_error(admin("DELETE", "/admin/users/t_photo_clerk/photo"), 404, "not_found")
    assert admin.audit(object="user:t_photo_clerk")["items"][0]["action"] == "user.photo_removed"


def test_the_window_serves_its_clerks_photo_while_staffed(admin):
    """Does a window answer its clerk's 工号 and photo while staffed (the photo public), 404 once closed?"""
    admin("POST", "/admin/users", json=CLERK, expect=201)
    _upload(admin, "t_photo_clerk", _picture())
    window_id = admin.api.window_id(3)
    photo_url = f"/windows/{window_id}/clerk-photo"
    assert_error(admin(method="GET", path=photo_url, as_user=None), 404, "not_found")
    token = admin.token("t_photo_clerk", CLERK["password"])
    staff = {"Authorization": f"Bearer {token}"}
    client = admin.api.client
    opened = client.post(f"/api/v1/windows/{window_id}/status", json={"status": "open"}, headers=staff)
    assert opened.status_code == 200
    window = opened.get_json()
    assert window["clerk"] == "照片测试员" and window["clerk_employee_no"] == "XQ-9001"
    assert window["clerk_photo_at"]
    served = client.get("/api/v1" + photo_url)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "no-cache" and served.headers["ETag"]
    again = client.get("/api/v1" + photo_url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    admin("DELETE", "/admin/users/t_photo_clerk/photo", expect=200)
    assert_error(admin(method="GET", path=photo_url, as_user=None), 404, "not_found")
    _upload(admin, "t_photo_clerk", _picture())
    client.post(f"/api/v1/windows/{window_id}/status", json={"status": "closed"}, headers=staff)
    assert_error(admin(method="GET", path=photo_url, as_user=None), 404, "not_found")


def test_demo_staff_have_employee_numbers(admin):
    """Does the demo load give its staff their 工号 (queue_server/demo/xiqu.json)?"""
    listed = admin("GET", "/admin/users?q=clerk&limit=50", expect=200).get_json()["items"]
    numbers = {user["username"]: user["employee_no"] for user in listed}
    assert numbers["clerk1"] == "XQ-0101" and numbers["clerk6"] == "XQ-0106"
    admin_user = admin("GET", "/admin/users?q=admin", expect=200).get_json()["items"]
    assert {user["username"]: user["employee_no"] for user in admin_user}["admin"] == "XQ-0001"
