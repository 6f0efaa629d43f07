"""Uploaded files: how large a request may be, how a file is checked by its content, where files are kept.

Used by the applicant's materials (citizen), the material samples and the staff photos (admin).
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, request
from werkzeug.datastructures import FileStorage

from queue_server.errors import InvalidRequest, TooLarge

# What an upload may be, told by its first bytes: (magic, mime, extension).
FILE_TYPES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
# Room for the multipart envelope (and the form's other fields) around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """A checked upload: its bytes, what they are, and the name the sender gave."""

    content: bytes
    mime: str
    extension: str
    original_name: str


def admit_upload_size(bp: Blueprint, endpoint: str, limit: Callable[[], int], too_large: str) -> None:
    """Let a request to ``endpoint`` be as large as one file of ``limit()`` bytes, before anyone reads it.

    The application's own limit is for JSON. ``too_large`` is the 413 message; ``{size}`` names the limit.
    """

    @bp.before_app_request
    def _admit_upload() -> None:
        if request.endpoint != endpoint:
            return
        most = limit()
        request.max_content_length = most + MULTIPART_OVERHEAD  # a body without a length is cut there: 413
        if request.content_length and request.content_length > request.max_content_length:
            raise TooLarge(too_large.format(size=size_text(most)), {"max_bytes": most})


def upload_dir() -> Path:
    """Return the folder uploads are kept in (UPLOAD_DIR, default <instance>/uploads): never served as is."""
    return Path(current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path, "uploads"))


def check_upload(file: FileStorage | None, limit: int | None = None, kind: str = "文件") -> Upload:
    """Read an uploaded file and check its size and type by content: 413 when too large, 400 otherwise.

    ``limit`` defaults to UPLOAD_MAX_BYTES; ``kind`` names the file in the messages (e.g. 示例文本).
    """
    if file is None or not file.filename:
        raise InvalidRequest({"file": f"请选择要上传的{kind}（PDF、JPG 或 PNG）"}, "未收到文件")
    limit = limit or current_app.config["UPLOAD_MAX_BYTES"]
    content = file.stream.read(limit + 1)
    name = _clean_name(file.filename, f"未命名{kind}")
    if len(content) > limit:
        raise TooLarge(
            f"{kind}“{name}”超过 {size_text(limit)}，请压缩或分页后再上传", {"file": name, "max_bytes": limit}
        )
    if not content:
        raise InvalidRequest({"file": f"{kind}是空的"}, f"{kind}“{name}”是空的")
    for magic, mime, extension in FILE_TYPES:
        if content.startswith(magic):
            return Upload(content, mime, extension, name)
    raise InvalidRequest(
        {"file": f"只能上传 PDF、JPG 或 PNG 格式的{kind}"},
        f"{kind}“{name}”不是 PDF、JPG 或 PNG 格式，请转换后再上传",
    )


def _clean_name(raw: str, fallback: str) -> str:
    """Keep the last part of the file's name, without control characters, at most 200 long."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip()
    return (name or fallback)[-200:]


def size_text(size: int) -> str:
    """Write a byte count as the limits are read: 10 MB, 500 KB."""
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size / 1024:g} KB"
