"""The checklist as PDF (印刷用), rendered by WeasyPrint with the Noto CJK fonts like the
applications' PDF copies."""

from __future__ import annotations

from django.template.loader import render_to_string


def render(checklist, municipality) -> bytes:
    from weasyprint import HTML

    html = render_to_string("guide/pdf.html", {"checklist": checklist, "municipality": municipality})
    return HTML(string=html).write_pdf()
