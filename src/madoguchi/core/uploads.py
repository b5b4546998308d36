"""Checking an uploaded file by its content (添付ファイルの確認), for every app that takes files.

The type of a file is what its bytes say (``filetype``), never its name: a PDF renamed ``.jpg`` is
refused with a message saying so. Storing and serving files is the owning app's business (the
form engine's ``forms/uploads.py``, facility photos in ``reservations/photos.py``).
"""

from __future__ import annotations

import os

import filetype
from django.conf import settings


def upload_max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", None) or os.environ.get("UPLOAD_MAX_BYTES") or 10 * 1024 * 1024)


# The kinds a form field or an upload may accept, by the name staff write in a form definition.
FILE_KINDS = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "txt": "text/plain",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

KIND_LABELS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG画像",
    "image/png": "PNG画像",
    "image/gif": "GIF画像",
    "image/webp": "WebP画像",
    "image/heic": "HEIC画像",
    "text/plain": "テキスト",
    "text/csv": "CSV",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word文書（.docx）",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excelブック（.xlsx）",
}
EXTENSION_KIND = {f".{ext}": mime for ext, mime in FILE_KINDS.items()} | {".jpe": "image/jpeg", ".heif": "image/heic"}
DEFAULT_ACCEPT = ["pdf", "jpeg", "png"]


class UploadError(ValueError):
    """A file that cannot be accepted; the message is shown to the uploader as is."""


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f}MB".replace(".0MB", "MB")
    if n >= 1024:
        return f"{n / 1024:.0f}KB"
    return f"{n}バイト"


def kind_label(mime: str) -> str:
    return KIND_LABELS.get(mime, mime)


def accepted_mimes(accept: list[str] | None) -> list[str]:
    mimes: list[str] = []
    for kind in accept or DEFAULT_ACCEPT:
        mime = FILE_KINDS.get(kind)
        if mime and mime not in mimes:
            mimes.append(mime)
    return mimes


def _looks_like_text(head: bytes) -> bool:
    if not head or any(b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D) for b in head):
        return False
    for enc in ("utf-8", "cp932"):
        try:
            head.decode(enc)
            return True
        except UnicodeDecodeError:
            # The sample may end inside a multi-byte character.
            try:
                head[:-3].decode(enc)
                return True
            except UnicodeDecodeError:
                continue
    return False


def sniff(head: bytes, name: str = "") -> str | None:
    """The MIME type the content really has (None when unknown)."""
    kind = filetype.guess(head)
    if kind is not None:
        mime = kind.mime
        if mime == "image/heif":
            mime = "image/heic"
        return mime
    if head.lstrip()[:5] == b"%PDF-":
        return "application/pdf"
    if _looks_like_text(head):
        return "text/csv" if name.lower().endswith(".csv") else "text/plain"
    return None


def check_file(uploaded, *, label: str, accept: list[str] | None = None, max_bytes: int | None = None) -> tuple[str, int]:
    """Return (content type, size) or raise UploadError naming the field and what to do."""
    name = os.path.basename(getattr(uploaded, "name", "") or "") or "（名前なし）"
    limit = max_bytes or upload_max_bytes()
    size = getattr(uploaded, "size", None)
    if size is None:
        raise UploadError(f"「{label}」のファイル「{name}」を読み取れませんでした。もう一度選んでください。")
    if size == 0:
        raise UploadError(f"「{label}」のファイル「{name}」は空（0バイト）です。中身のあるファイルを選んでください。")
    if size > limit:
        raise UploadError(
            f"「{label}」のファイル「{name}」は{human_size(size)}あり、上限の{human_size(limit)}を超えています。{human_size(limit)}以下のファイルを選んでください。"
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    mime = sniff(head, name)
    allowed = accepted_mimes(accept)
    allowed_text = "、".join(kind_label(m) for m in allowed)
    if mime in allowed:
        return mime, size
    if mime == "text/csv" and "text/plain" in allowed:
        return "text/plain", size
    ext = os.path.splitext(name)[1].lower()
    claimed = EXTENSION_KIND.get(ext)
    if mime is None:
        raise UploadError(f"「{label}」のファイル「{name}」は中身の種類を確認できませんでした。{allowed_text}のファイルを選んでください。")
    if claimed and claimed != mime:
        raise UploadError(
            f"「{label}」のファイル「{name}」は名前が {ext} で終わっていますが、中身は{kind_label(mime)}です。{allowed_text}のファイルを選んでください。"
        )
    raise UploadError(f"「{label}」のファイル「{name}」は{kind_label(mime)}です。この欄で受け付けるのは{allowed_text}です。")
