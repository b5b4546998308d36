"""Schema validation and versioning (publishing never changes an old version)."""

import pytest
from django.core.exceptions import ValidationError

from madoguchi.forms import services
from madoguchi.forms.models import FormVersion, ImmutableVersionError
from madoguchi.forms.schema import schema_errors, validate_schema


def test_sample_schema_is_valid(sample_schema):
    validate_schema(sample_schema)


def _field(**kw):
    return {"pages": [{"key": "p", "title": "t", "fields": [{"key": "a", "type": "text", "label": "A"}, kw]}]}


@pytest.mark.parametrize(
    "schema,needle",
    [
        ({}, "pages"),
        (_field(key="a", type="text", label="B"), "重複"),
        (_field(key="b", type="slider", label="B"), "種類「slider」は使えません"),
        (_field(key="b", type="select", label="B"), "選択肢"),
        (_field(key="b", type="text", label="B", show_if={"field": "zzz", "equals": "1"}), "「zzz」"),
        (_field(key="b", type="text", label=""), "項目名"),
        (_field(key="B-1", type="text", label="B"), "key"),
        (_field(key="b", type="number", label="B", min=5, max=1), "最小値"),
        (_field(key="b", type="checkboxes", label="B", choices=[{"value": "1", "label": "x"}], min_choices=3, max_choices=2), "最小選択数"),
        (_field(key="b", type="date", label="B", max="あした"), "today"),
        (_field(key="b", type="file", label="B", accept=["exe"]), "exe"),
        (_field(key="b", type="text", label="B", pattern="("), "正規表現"),
    ],
)
def test_schema_errors_are_japanese(schema, needle):
    with pytest.raises(ValidationError) as exc:
        validate_schema(schema)
    assert any(needle in m for m in exc.value.messages), exc.value.messages


def test_my_number_field_needs_designated_form():
    schema = _field(key="n", type="my_number", label="個人番号")
    assert any("個人番号利用事務" in e for e in schema_errors(schema, allows_my_number=False))
    assert schema_errors(schema, allows_my_number=True) == []


def test_create_form_and_publish_keeps_old_version(org, sample_schema):
    form = services.create_form("住民票の写しの交付請求", sample_schema)
    v1 = form.published_version()
    assert v1.number == 1 and v1.published_at is not None
    with pytest.raises(ValidationError):
        services.create_form("壊れたフォーム", {"pages": []})

    draft = services.get_or_create_draft(form)
    assert draft.number == 2 and draft.status == FormVersion.Status.DRAFT
    assert services.get_or_create_draft(form).pk == draft.pk  # one draft at a time
    changed = dict(draft.schema)
    changed["pages"][0]["fields"][1]["label"] = "お名前"
    services.save_draft(draft, changed)
    assert form.published_version().pk == v1.pk  # draft not yet visible to residents
    services.publish(draft)
    assert form.published_version().number == 2
    v1.refresh_from_db()
    assert v1.schema["pages"][0]["fields"][1]["label"] == "氏名"  # the old version is intact

    v1.schema["pages"][0]["title"] = "書き換え"
    with pytest.raises(ImmutableVersionError):
        v1.save()
    # the next edit starts a new draft copied from version 2
    assert services.get_or_create_draft(form).number == 3


def test_changes_are_audited(org, sample_schema):
    from madoguchi.core.models import AuditLog

    form = services.create_form("テスト", sample_schema, publish=False)
    draft = form.draft_version()
    services.save_draft(draft, sample_schema)
    services.publish(draft)
    actions = list(AuditLog.objects.filter(target_type="forms.form", target_id=str(form.pk)).values_list("action", flat=True))
    assert "update" in actions and "approve" in actions


def test_presets_are_valid():
    from madoguchi.forms.presets import applicant_page, confirm_page, simple_schema

    validate_schema(
        simple_schema(
            applicant_page(),
            {"key": "x", "title": "内容", "fields": [{"key": "copies", "type": "number", "label": "通数", "min": 1, "max": 10}]},
            confirm_page(),
        )
    )
