"""The 納付書 PDF (resident) and the import of the 収納代行's result file (staff)."""

from __future__ import annotations

import base64

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from madoguchi.core import audit, permissions
from madoguchi.core.staff import staff_required
from madoguchi.core.wareki import format_wareki

from ...models import Payment
from ...views import _own_payment
from . import barcode, results
from .provider import DEFAULT_INSTITUTIONS, config, issue_of

MAX_UPLOAD = 5 * 1024 * 1024


def slip_context(payment: Payment) -> dict:
    issue = issue_of(payment)
    if issue is None:
        raise Http404
    c = config(payment.municipality)
    data = issue["slip_barcode"]
    return {
        "payment": payment,
        "municipality": payment.municipality,
        "pay_by": format_wareki(barcode.parse(data).pay_by),
        "reissue": issue.get("reissue", 0),
        "barcode_svg_b64": base64.b64encode(barcode.svg(data).encode()).decode(),
        "barcode_text": barcode.human_readable(data),
        "collector": c.get("collector", ""),
        "institutions": c.get("institutions") or DEFAULT_INSTITUTIONS,
        "note": c.get("note", ""),
    }


def slip_pdf(request, pk: int):
    """納付書 PDF of an issued slip (the payer only; 処理中 with the slip provider)."""
    payment = _own_payment(request, pk)
    if payment.provider != "slip" or payment.status != Payment.Status.PROCESSING:
        raise Http404
    from weasyprint import HTML

    pdf = HTML(string=render_to_string("payments/slip.html", slip_context(payment))).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="nofusho-{payment.merchant_reference}.pdf"'
    return response


@staff_required
def import_results(request):
    """収納代行の結果ファイルの取込: staff with a change right on payments; lists every row."""
    outcome, error = None, ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        allowed = permissions.section_ids(request.user, "change")
        if allowed is not None and not allowed:
            raise Http404  # settling payments needs a change right in some section
        if upload is None:
            error = "取り込むファイルを選んでください。"
        elif upload.size > MAX_UPLOAD:
            error = "ファイルが大きすぎます（5MBまで）。"
        else:
            try:
                outcome = results.import_results(request.municipality, upload.read())
            except (UnicodeDecodeError, ValueError):
                error = "ファイルを読めません。文字コードと形式を確認してください。"
            else:
                audit.record(
                    "update",
                    None,
                    request=request,
                    detail={"what": "slip_results", "rows": len(outcome.rows), "settled": len(outcome.settled), "unmatched": len(outcome.unmatched)},
                    target_label="収納代行の結果ファイル",
                )
    status = 400 if error else 200
    return render(request, "payments/staff_slip_import.html", {"outcome": outcome, "error": error}, status=status)
