"""Uploaded files of the form engine (添付ファイル): checked by content (``core.uploads``), stored
outside the web root as ``Upload`` rows, streamed only after the caller has checked permission.
"""

from __future__ import annotations

import hashlib
import os

from django.core.files.base import File
from django.http import FileResponse

from madoguchi.core.uploads import check_file

from .models import Upload


def save_upload(uploaded, *, label: str, request=None, accept: list[str] | None = None, max_bytes: int | None = None) -> Upload:
    """Check ``uploaded`` and store it as an Upload owned by the request's user or session."""
    mime, size = check_file(uploaded, label=label, accept=accept, max_bytes=max_bytes)
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else iter(lambda: uploaded.read(65536), b""):
        digest.update(chunk)
    uploaded.seek(0)
    owner, session_key = None, ""
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            owner = user
        session = getattr(request, "session", None)
        if session is not None:
            if not session.session_key:
                session.save()
            session_key = session.session_key or ""
    original = os.path.basename(getattr(uploaded, "name", "") or "file")[:255]
    upload = Upload(owner=owner, session_key=session_key, original_name=original, size=size, content_type=mime, sha256=digest.hexdigest())
    upload.file.save(original, File(uploaded), save=False)
    upload.save()
    return upload


def serve(request, upload: Upload) -> FileResponse:
    """Stream ``upload`` as a download. The caller must have checked permission first."""
    response = FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.original_name, content_type=upload.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
