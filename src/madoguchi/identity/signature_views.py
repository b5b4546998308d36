"""Pages of the electronic signature (電子署名): the resident's consent page before the card
signs, the callback's signing branch, and staff's view of a stored signature (audited)."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from madoguchi.core import audit
from madoguchi.core.models import AuditLog
from madoguchi.core.permissions import can
from madoguchi.core.staff import staff_required

from . import signing
from .models import Signature
from .oidc import IdentityError

log = logging.getLogger(__name__)


def document_view(row: Signature) -> dict:
    """The frozen document for display: ``{"title", "header": [[label, value]], "groups":
    [{"title", "rows": [[label, value]]}]}`` when it is a JSON document in that shape, else its
    text."""
    try:
        data = json.loads(bytes(row.document).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"text": bytes(row.document).decode("utf-8", "replace")}
    if not isinstance(data, dict):
        return {"text": json.dumps(data, ensure_ascii=False, indent=2)}
    return {"title": data.get("title", ""), "header": data.get("header") or [], "groups": data.get("groups") or []}


@never_cache
def sign(request, uuid):
    """同意画面: what will be signed, before the resident is sent to the デジタル認証アプリ.
    Only the browser that froze the document may sign it."""
    found = signing.pending_for(request, uuid)
    if found is None:
        raise Http404
    row, next_url = found
    if request.method == "POST":
        try:
            return redirect(signing.begin(request, row, next_url))
        except IdentityError as exc:
            log.warning("identity signature could not start: reason=%s", exc.code)
            return render(request, "identity/sign_failed.html", {"message": exc.message, "next": next_url}, status=502)
    return render(request, "identity/sign.html", {"row": row, "next": next_url, "document": document_view(row)})


def signed(request, plugin, flow):
    """The callback of a signing flow (views.callback dispatches here)."""
    try:
        signing.complete(request, plugin, flow, request.GET)
    except IdentityError as exc:
        log.warning("identity signature refused: provider=%s reason=%s", plugin.key, exc.code)
        return render(request, "identity/sign_failed.html", {"message": exc.message, "next": flow["next"]}, status=400)
    messages.success(request, "電子署名を確認しました（署名検証: 有効）。内容を確かめて「申請する」を押してください。")
    return redirect(flow["next"])


def _staff_signature(request, uuid) -> Signature:
    row = get_object_or_404(Signature.objects.select_related("submission__section", "submission__procedure"), uuid=uuid)
    if not can(request.user, "view", row.submission) or row.status == Signature.Status.PENDING:
        raise Http404
    return row


@staff_required
def staff_detail(request, uuid):
    """The stored signature: the frozen document, its digest, the certificate and the
    verification; the case's current status is shown beside it (never written into it)."""
    row = _staff_signature(request, uuid)
    audit.record(AuditLog.Action.VIEW, row.submission, request=request, detail={"signature": str(row.uuid)})
    certificate = None
    if row.certificate:
        from .verification import load_certificate

        cert = load_certificate(bytes(row.certificate))
        certificate = {
            "issuer": cert.issuer.rfc4514_string(),
            "serial": format(cert.serial_number, "X"),
            "not_before": cert.not_valid_before_utc,
            "not_after": cert.not_valid_after_utc,
        }
    return render(
        request,
        "identity/staff/signature.html",
        {
            "row": row,
            "submission": row.submission,
            "document": document_view(row),
            "certificate": certificate,
            "recheck": signing.recheck(row) if row.certificate else "",
        },
    )


FILES = {
    "document": ("document", "application/json", "signed-document.json"),
    "signature": ("signature", "application/octet-stream", "signature.sig"),
    "certificate": ("certificate", "application/pkix-cert", "certificate.cer"),
}


@staff_required
def staff_file(request, uuid, part):
    """The exact stored bytes, for checking outside the platform (openssl; README)."""
    if part not in FILES:
        raise Http404
    row = _staff_signature(request, uuid)
    field, content_type, filename = FILES[part]
    audit.record(AuditLog.Action.DOWNLOAD, row.submission, request=request, detail={"signature": str(row.uuid), "part": part})
    response = HttpResponse(bytes(getattr(row, field)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
