"""Staff photos over the API: set and removed in the console, served to it and to the window's evaluator.

See ``queue_server/admin/photos.py`` for what is checked and who sees a photo.
"""

import hashlib

from flask import Blueprint, Response, request

from queue_server.accounts import policy
from queue_server.accounts.auth import acting_user
from queue_server.admin import photos, staff
from queue_server.admin.answers import AdminUserOut
from queue_server.admin.schemas import PhotoForm
from queue_server.api.answers import Error
from queue_server.api.spec import operation, reply
from queue_server.errors import InvalidRequest
from queue_server.uploads import admit_upload_size

bp = Blueprint("staff_photos", __name__)

JPEG = {"description": "JPEG", "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
admit_upload_size(bp, "api.staff_photos.upload_photo", photos.photo_limit, "照片文件太大：不能超过 {size}")


def _image(photo) -> Response:
    """Answer a stored photo; the browser asks again each time (ETag), so a new photo shows at once."""
    response = Response(photo.content, mimetype=photo.content_type)
    response.set_etag(hashlib.sha256(photo.content).hexdigest()[:32])
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def _administered(username: str):
    actor = acting_user()
    policy.require(actor, "admin.console")
    user = staff.get_user(username)
    policy.require(actor, "user.administer", hall_id=user.hall_id)
    return actor, user


@bp.post("/admin/users/<username>/photo")
@operation(staff=True, body=PhotoForm, answers={200: AdminUserOut, 403: Error, 404: Error, 413: Error})
def upload_photo(username: str):
    """上传工作人员照片（multipart：file，JPG 或 PNG；存为不超过 480×600 的 JPEG） Set a staff photo"""
    actor, user = _administered(username)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidRequest({"file": "请选择照片文件"}, "未收到照片文件")
    content = upload.stream.read(photos.photo_limit() + 1)
    return reply(AdminUserOut, photos.set_photo(actor, user, content))


@bp.delete("/admin/users/<username>/photo")
@operation(staff=True, answers={200: AdminUserOut, 403: Error, 404: Error})
def remove_photo(username: str):
    """删除工作人员照片（评价器改为显示默认头像） Remove a staff photo"""
    actor, user = _administered(username)
    return reply(AdminUserOut, photos.remove_photo(actor, user))


@bp.get("/admin/users/<username>/photo")
@operation(staff=True, answers={200: JPEG, 403: Error, 404: Error})
def user_photo(username: str):
    """工作人员照片（管理后台） A staff photo, for its administrators"""
    actor, user = _administered(username)
    return _image(photos.user_photo(actor, user))


@bp.get("/windows/<int:window_id>/clerk-photo")
@operation(limit="RATELIMIT_PUBLIC", answers={200: JPEG, 404: Error})
def window_clerk_photo(window_id: int):
    """窗口当前工作人员的照片（评价器；窗口关闭或无照片时 404） The photo of the clerk staffing a window"""
    return _image(photos.window_clerk_photo(window_id))
