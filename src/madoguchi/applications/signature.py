"""電子署名 of an online application (issue #16): when the procedure requires it, the resident
signs the final application with the マイナンバーカード before it is received. The identity app
owns the signing flow and the stored signature; this module only builds the document that is
signed — a canonical JSON of what the confirmation page shows (the engine's summary) — and asks
whether a valid signature covers exactly that document."""

from __future__ import annotations

import json

from .models import Submission


def required(submission: Submission) -> bool:
    """Online (and API-less) submissions of a procedure that requires a signature; the counter
    keeps its handwritten signature on the printed copy."""
    return submission.procedure.requires_signature and submission.channel == Submission.Channel.ONLINE


def document(submission: Submission) -> bytes:
    """The application as signed: canonical JSON (sorted keys, UTF-8, no whitespace), the same
    bytes for the same answers, so the signature stays valid only while nothing changes. It
    holds no status, receipt number or payment: those come later and are shown beside it."""
    from .services import engine_for

    engine = engine_for(submission)
    rows = engine.summary(submission.answers)
    groups = []
    for page in engine.pages:
        keys = {f.key for f in page.fields}
        page_rows = [[r.label, r.display] for r in rows if r.key in keys]
        if page_rows:
            groups.append({"title": page.title, "rows": page_rows})
    procedure = submission.procedure
    data = {
        "format": "madoguchi.application/1",
        "title": f"{procedure.name} 申請書",
        "header": [
            ["自治体", procedure.municipality.name],
            ["担当課", submission.section.full_name],
            ["手続", procedure.name],
            ["申請の識別子", str(submission.uuid)],
            ["フォームの版", str(submission.form_version.number)],
        ],
        "groups": groups,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def valid_signature(submission: Submission):
    from madoguchi.identity import signing

    return signing.valid_for(submission, document(submission))


def start_url(request, submission: Submission, next_url: str) -> str | None:
    """Freeze the document now and return the identity app's signing page (None when the city
    cannot take signatures)."""
    from django.urls import reverse

    from madoguchi.identity import signing

    if not signing.available(submission.municipality):
        return None
    row = signing.prepare(request, submission, document=document(submission), title=f"{submission.procedure.name} 申請書", next_url=next_url)
    return reverse("identity:sign", args=[row.uuid])
