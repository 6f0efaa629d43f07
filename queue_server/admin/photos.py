"""Staff photos: uploaded in the administration console, shown by the evaluator at the clerk's window.

An upload is checked by content (JPEG or PNG magic bytes, then decoded by Pillow), refused past
STAFF_PHOTO_MAX_BYTES (413) or past PHOTO_MAX_PIXELS (a decompression bomb), turned upright by its
EXIF orientation and re-encoded as a JPEG of at most PHOTO_BOX pixels: nothing of the uploaded file
but its picture is kept or served (no metadata, no script in a disguised file). The photo lives in
the database (``staff_photos``), so a backup holds it. Every change is in the audit log.

Who sees it: the administrators of the user (the console), and anyone looking at a window while
that user staffs it (the evaluator is public, like the kiosk; the window's clerk is shown by name on
its screen anyway). A photo is never served by username to the public.
"""

import io
import warnings

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from queue_server.accounts import policy
from queue_server.accounts.models import StaffPhoto, User
from queue_server.admin import audit
from queue_server.calendar import clock
from queue_server.errors import InvalidRequest, NotFound, TooLarge
from queue_server.extensions import db
from queue_server.queue.models import Window

# The largest picture stored (width, height): enough for a 1280×800 evaluator, small in the database.
PHOTO_BOX = (480, 600)
# A picture with more pixels is refused before it is decoded (Pillow's own bomb limit is ~179 M).
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_TYPES = ((b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"))
JPEG_QUALITY = 85


def photo_limit() -> int:
    """Return the largest upload taken, in bytes (STAFF_PHOTO_MAX_BYTES, default 5 MB)."""
    return int(current_app.config.get("STAFF_PHOTO_MAX_BYTES") or 5 * 1024 * 1024)


def bounded_jpeg(content: bytes) -> tuple[bytes, int, int]:
    """Check an uploaded JPEG or PNG and return it re-encoded as a JPEG within PHOTO_BOX, with its size."""
    kind = next((name for magic, name in PHOTO_TYPES if content.startswith(magic)), None)
    if kind is None:
        raise InvalidRequest({"file": "只能上传 JPG 或 PNG 格式的照片"}, "照片须为 JPG 或 PNG 格式")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=[kind])
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                raise InvalidRequest({"file": "照片像素过多"}, "照片像素过多，请缩小后再上传")
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
    ) as error:
        raise InvalidRequest({"file": "照片文件已损坏或无法识别"}, "照片文件已损坏或无法识别") from error
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        # A transparent PNG is laid on white, as the evaluator's card is.
        background = Image.new("RGB", image.size, "white")
        background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        image = background
    image.thumbnail(PHOTO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), image.width, image.height


def _photo_record(photo: StaffPhoto | None, size: tuple[int, int] | None = None) -> dict:
    if photo is None:
        return {"photo": None}
    text = f"JPEG {size[0]}×{size[1]}，{len(photo.content) // 1024 + 1} KB" if size else "已上传"
    return {"photo": text}


def set_photo(actor, user: User, content: bytes) -> User:
    """Store the user's photo (replacing any), bounded and re-encoded; record it in the audit log."""
    policy.require(actor, "user.administer", hall_id=user.hall_id)
    if len(content) > photo_limit():
        raise TooLarge(
            f"照片文件太大：不能超过 {photo_limit() // 1024 // 1024} MB", {"max_bytes": photo_limit()}
        )
    if not content:
        raise InvalidRequest({"file": "照片文件是空的"}, "照片文件是空的")
    jpeg, width, height = bounded_jpeg(content)
    photo = db.session.get(StaffPhoto, user.id)
    before = _photo_record(photo)
    now = clock.now()
    if photo is None:
        photo = StaffPhoto(user_id=user.id, content_type="image/jpeg", content=jpeg, updated_at=now)
        db.session.add(photo)
    else:
        photo.content, photo.content_type, photo.updated_at = jpeg, "image/jpeg", now
    user.photo_at = now
    db.session.flush()
    audit.record(
        actor,
        "user.photo_set",
        f"user:{user.username}",
        before,
        _photo_record(photo, (width, height)),
        user.hall_id,
    )
    return user


def remove_photo(actor, user: User) -> User:
    """Remove the user's photo (the evaluator shows its placeholder); 404 when there is none."""
    photo = user_photo(actor, user)
    db.session.delete(photo)
    user.photo_at = None
    db.session.flush()
    audit.record(
        actor,
        "user.photo_removed",
        f"user:{user.username}",
        {"photo": "已上传"},
        {"photo": None},
        user.hall_id,
    )
    return user


def user_photo(actor, user: User) -> StaffPhoto:
    """Return the user's photo for their administrators; 404 when there is none."""
    policy.require(actor, "user.administer", hall_id=user.hall_id)
    photo = db.session.get(StaffPhoto, user.id)
    if photo is None:
        raise NotFound(f"该工作人员没有照片：{user.username}", {"photo": user.username})
    return photo


def window_clerk_photo(window_id: int) -> StaffPhoto:
    """Return the photo of the clerk staffing the window now; 404 when closed, unstaffed or without one."""
    window = db.session.get(Window, window_id)
    if window is None or window.clerk_id is None or window.status == "closed":
        raise NotFound("该窗口当前没有工作人员照片", {"window": window_id})
    photo = db.session.get(StaffPhoto, window.clerk_id)
    if photo is None:
        raise NotFound("该窗口当前没有工作人员照片", {"window": window_id})
    return photo
