"""Facility photos (施設の写真): staff upload one, residents see it on the facility page.

The upload is checked by content (``core.uploads.check_file``: a PDF renamed .jpg is refused
naming both), then decoded and re-encoded as a JPEG of at most ``MAX_SIDE`` pixels. Re-encoding
drops what a camera writes into the file (GPS position, device, owner) before the photo becomes
public, and anything but pixels that a crafted file could carry.
"""

from __future__ import annotations

import hashlib
import io
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from madoguchi.core.uploads import UploadError, check_file

ACCEPT = ["jpeg", "png", "webp"]
MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded


def photo_path(instance, filename: str) -> str:
    """Stored per city (共同運営): ``facility-photos/<全国地方公共団体コード>/<random>.jpg``."""
    return f"facility-photos/{instance.municipality.code}/{uuid.uuid4().hex}.jpg"


def prepare(uploaded, *, label: str) -> ContentFile:
    """The photo to store, as a JPEG; UploadError with a Japanese message naming ``label``."""
    check_file(uploaded, label=label, accept=ACCEPT, max_bytes=MAX_BYTES)
    uploaded.seek(0)
    try:
        with Image.open(uploaded) as img:
            if img.width * img.height > MAX_PIXELS:
                raise UploadError(f"「{label}」の画像は{img.width}×{img.height}ピクセルあり、大きすぎます。長辺4000ピクセル程度までの写真を選んでください。")
            img.load()
            img = ImageOps.exif_transpose(img)  # the camera's orientation, before the EXIF goes
            if img.mode != "RGB":
                # Transparent parts of a PNG become white, as on the page.
                background = Image.new("RGB", img.size, "white")
                background.paste(img, mask=img.getchannel("A") if "A" in img.getbands() else None)
                img = background
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError(
            f"「{label}」のファイルは画像として読み取れませんでした（途中で切れているか、壊れている可能性があります）。別の写真を選んでください。"
        ) from None
    return ContentFile(out.getvalue(), name="photo.jpg")


def version(name: str) -> str:
    """A short token that changes with the stored file, for cache-busting its public URL."""
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def delete_later(name: str) -> None:
    """Remove a replaced photo once the change is committed (a rollback keeps the old one)."""
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
