"""PDF copy of a submission (申請内容の控え), rendered by WeasyPrint with Noto CJK fonts."""

from __future__ import annotations

from django.template.loader import render_to_string

from . import fees
from .models import Submission


def render(submission: Submission, *, for_signature: bool = False, answers: dict | None = None) -> bytes:
    from weasyprint import HTML

    from .services import engine_for

    html = render_to_string(
        "applications/pdf.html",
        {
            "submission": submission,
            "rows": engine_for(submission).summary(submission.answers if answers is None else answers),
            "for_signature": for_signature,
            "fee_payment": fees.payment(submission) if submission.procedure.fee else None,  # 「支払済」 on the copy
        },
    )
    return HTML(string=html).write_pdf()


def filename(submission: Submission) -> str:
    return f"application-{submission.receipt_number or 'draft'}.pdf"
