"""Field types as classes (項目の型): a new type is one class on ``field_types``, no engine edit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from madoguchi.core.registry import check_registries, field_types
from madoguchi.forms.engine import FormEngine
from madoguchi.forms.fields import FieldError, FieldType, get_value
from madoguchi.forms.schema import CHOICE_TYPES, FIELD_TYPES, schema_errors

BUILT_IN = [
    "text",
    "textarea",
    "kana",
    "date",
    "address",
    "phone",
    "email",
    "number",
    "select",
    "radio",
    "checkboxes",
    "file",
    "consent",
    "paragraph",
    "my_number",
]


class Stars(FieldType):
    """評価（星）: a test-only type, as the surveys issue would add one."""

    label = "評価（星）"

    def clean(self, f, data, ctx):
        raw = get_value(data, f.key).strip()
        if not raw:
            return ""
        top = f.spec.get("stars", 5)
        if not raw.isdigit() or not 1 <= int(raw) <= top:
            raise FieldError(f"「{f.label}」は1から{top}までの数で選んでください。", keep=raw)
        return int(raw)

    def display(self, f, value):
        return "★" * int(value)

    def export_value(self, f, value):
        return int(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        stars = spec.get("stars", 5)
        if not isinstance(stars, int) or isinstance(stars, bool) or not 2 <= stars <= 10:
            return [f"{where}: stars は2から10の整数で書いてください。"]
        return []

    def hint(self, f):
        return f"1から{f.spec.get('stars', 5)}まで"


@pytest.fixture
def stars():
    field_types.register("stars", Stars())
    yield field_types["stars"]
    field_types.unregister("stars")


def _schema(**extra):
    return {"pages": [{"key": "p", "title": "評価", "fields": [{"key": "rating", "type": "stars", "label": "満足度", **extra}]}]}


def test_built_in_types_are_registered_in_order_and_pass_their_check():
    assert list(FIELD_TYPES)[: len(BUILT_IN)] == BUILT_IN
    assert set(CHOICE_TYPES) >= {"select", "radio", "checkboxes"} and "text" not in CHOICE_TYPES
    for key in BUILT_IN:
        assert field_types[key].check() == [], key
    assert not [m for m in check_registries() if "field_types" in m.msg]


def test_the_system_check_reports_a_broken_type():
    class NoLabel(FieldType):
        pass

    field_types.register("broken", NoLabel())
    try:
        ids = sorted(m.id for m in check_registries() if "'broken'" in m.msg)
    finally:
        field_types.unregister("broken")
    assert ids == ["madoguchi.E040", "madoguchi.E041"]


@pytest.mark.django_db
def test_a_custom_type_cleans_displays_exports_and_validates_its_schema(stars, rf):
    assert "stars" in FIELD_TYPES and FIELD_TYPES["stars"] == "評価（星）"
    assert schema_errors(_schema()) == []
    assert schema_errors(_schema(stars=1)) == ["1ページ目の1番目の項目（rating）: stars は2から10の整数で書いてください。"]

    engine = FormEngine.from_schema(_schema(stars=3))
    bad = engine.validate_page(0, {"rating": "4"})
    assert bad.errors == {"rating": ["「満足度」は1から3までの数で選んでください。"]}
    assert bad.answers == {"rating": "4"}  # kept as typed
    assert engine.validate_page(0, {}).errors == {"rating": ["「満足度」を入力してください。"]}
    # the engine's own rules still apply to a new type: no マイナンバー in any field
    assert "マイナンバー" in engine.validate_page(0, {"rating": "123456789018"}).errors["rating"][0]

    result = engine.validate_page(0, {"rating": "2"})
    assert result.is_valid and result.answers == {"rating": 2}
    field = engine.fields["rating"]
    assert [r.display for r in engine.summary(result.answers)] == ["★★"]
    assert engine.export_value(field, 2) == 2
    assert engine.search_text(result.answers) == "★★"
    assert engine.clean_all({"rating": 3}) == ({"rating": 3}, {})

    html = engine.render_page(rf.get("/"), 0, {"rating": 2}, {"rating": ["直してください"]})
    assert 'name="rating"' in html and 'value="2"' in html and "1から3まで" in html and 'href="#f-rating"' in html


def test_an_unregistered_type_is_refused_and_ignored():
    assert "stars" not in FIELD_TYPES
    assert schema_errors(_schema())[0].startswith("1ページ目の1番目の項目（rating）: 種類「stars」は使えません。")
    assert FormEngine.from_schema(_schema()).fields == {}


def test_engine_and_schema_do_not_dispatch_on_the_type_string():
    here = Path(__file__).resolve().parent.parent
    for name in ("engine.py", "schema.py"):
        source = (here / name).read_text(encoding="utf-8")
        assert not re.search(r"""(\.type|ftype|\bt)\s*(==|!=|in)\s*[("{]""", source), name
