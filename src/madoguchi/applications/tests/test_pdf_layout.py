"""Issue #12 item 10: the PDF copy never splits a table row across pages (the label on one
page and its value on the other). Laid out by WeasyPrint itself; each row's label and the last
line of its value must be on the same page."""

import datetime as dt
from types import SimpleNamespace

from django.template.loader import render_to_string


def _texts(box):
    text = getattr(box, "text", None)
    if text:
        yield text
    for child in getattr(box, "children", ()) or ():
        yield from _texts(child)


def test_pdf_rows_are_not_split_across_pages():
    from weasyprint import HTML

    city = SimpleNamespace(name="みどり野市")
    submission = SimpleNamespace(
        procedure=SimpleNamespace(name="テストの申請", municipality=city),
        receipt_number="2026-000001",
        submitted_at=dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC),
        get_channel_display="オンライン",
        section=SimpleNamespace(full_name="市民部 市民課"),
        taken_by="",
    )
    long_value = "\n".join(f"行{n}の内容です。" for n in range(12))
    rows = [{"page_title": "申請内容", "label": f"項目{i:02d}", "display": f"値{i:02d}始め\n{long_value}\n値{i:02d}終わり"} for i in range(30)]
    html = render_to_string("applications/pdf.html", {"submission": submission, "rows": rows, "for_signature": False})
    document = HTML(string=html).render()
    assert len(document.pages) > 3
    page_of = {}
    for number, page in enumerate(document.pages):
        for text in _texts(page._page_box):
            for token in (t for t in text.replace("\n", " ").split() if t.startswith(("項目", "値"))):
                page_of.setdefault(token, set()).add(number)
    for i in range(30):
        label = page_of[f"項目{i:02d}"]
        assert label == page_of[f"値{i:02d}始め"] == page_of[f"値{i:02d}終わり"], f"row {i} split: {label}, {page_of[f'値{i:02d}終わり']}"
