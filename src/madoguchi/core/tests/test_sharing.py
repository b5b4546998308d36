"""The one ひな形 mechanism (core.sharing, issue #10): the kinds are found through the registry and
checked, the cross-city read shows only rows still shared, a stale update notice is a 404, and
the forms migration onto the shared base keeps every row. The kind-specific flows (pages,
copies, reviews) are tested in forms/tests/test_sharing.py and guide/tests/test_sharing.py."""

from __future__ import annotations

import pytest
from django.core import checks
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404

from madoguchi.core import registry, sharing, tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory
from madoguchi.core.registry import ShareableKind
from madoguchi.forms.factories import SIMPLE_SCHEMA, FormFactory, FormVersionFactory
from madoguchi.forms.models import Form, FormVersion, SharedTemplate


def test_forms_and_guides_are_shareable_kinds_and_pass_their_check():
    assert {"forms.form", "guide.guide"} <= set(registry.shareable_kinds)
    for key in ("forms.form", "guide.guide"):
        assert registry.shareable_kinds[key].check() == [], key


def test_a_misconfigured_kind_is_named_by_the_system_check():
    class NoModel(ShareableKind):
        noun = origin_noun = "テスト"

    registry.shareable_kinds.register("test_no_model", NoModel)
    try:
        messages = [m.msg for m in registry.check_registries() if isinstance(m, checks.Error) and m.id == "madoguchi.E021"]
        assert any("shareable_kinds 'test_no_model'" in m and "SharedTemplateBase" in m for m in messages)
    finally:
        registry.shareable_kinds.unregister("test_no_model")

    class Unfinished(ShareableKind):  # a real model, but the kind says nothing of how to copy
        model = SharedTemplate

    found = [m.msg for m in Unfinished().check()]
    assert any("noun" in m for m in found) and any("create_copy()" in m for m in found)


@pytest.fixture
def two_cities(db):
    a, b = MunicipalityFactory(name="みどり野市"), MunicipalityFactory(name="あおば台町")
    with tenancy.using(a):
        form = FormFactory(name="住民票の写しの交付申請", section=SectionFactory(municipality=a))
    return a, b, form


def test_only_rows_still_shared_are_read_across_cities_and_follow_publication(two_cities):
    a, b, form = two_cities
    kind = registry.shareable_kinds["forms.form"]
    with tenancy.using(a):
        shared = sharing.share(kind, form, "説明")
        assert sharing.share_of(kind, form) == shared and shared.definition == SIMPLE_SCHEMA and shared.name == form.name
    with tenancy.using(b):  # B's staff, B active: A's shared row, through the deliberate read only
        assert SharedTemplate.objects.count() == 0
        assert [r.pk for r in sharing.shared_rows(kind, exclude_city_id=b.pk)] == [shared.pk]
        assert sharing.shared_rows(kind, exclude_city_id=a.pk) == []  # A does not list its own
    with tenancy.using(a):
        older = FormVersionFactory(form=form, number=2, status=FormVersion.Status.PUBLISHED, schema={"pages": []})
        sharing.follow_publish(kind, older)
        shared.refresh_from_db()
        assert shared.version_number == 2 and shared.definition == {"pages": []}
        sharing.withdraw(kind, form)
    with tenancy.using(b):
        assert sharing.shared_rows(kind, exclude_city_id=b.pk) == [] and sharing.shared_row(kind, shared.pk) is None


def test_a_stale_update_notice_is_not_found(two_cities):
    a, b, form = two_cities
    kind = registry.shareable_kinds["forms.form"]
    with tenancy.using(a):
        shared = sharing.share(kind, form, "")
    with tenancy.using(b):
        copy = sharing.copy_shared(kind, shared, section=SectionFactory(municipality=b), name="コピー")
        assert (copy.origin_template_id, copy.origin_form_id, copy.origin_version) == (shared.pk, form.pk, 1)
        assert sharing.origin_update(kind, copy) is None
    with tenancy.using(a):
        sharing.follow_publish(kind, FormVersionFactory(form=form, number=2, status=FormVersion.Status.PUBLISHED))
    with tenancy.using(b):
        assert sharing.offered_update(kind, copy, "2").pk == shared.pk
        with pytest.raises(Http404, match="元の様式の新しい版"):
            sharing.offered_update(kind, copy, "1")
        sharing.dismiss_origin_update(kind, copy, 2)
        with pytest.raises(Http404):
            sharing.offered_update(kind, copy, "2")


@pytest.mark.django_db(transaction=True)
def test_forms_migration_onto_the_shared_base_keeps_every_row():
    """forms 0006 renames SharedTemplate.schema to definition in Django's state only: rows written
    before it (the shared definition, a copy's origin) read back unchanged after it."""
    before, after = [("forms", "0005_shared_templates")], [("forms", "0006_sharedtemplate_definition")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        city = old.get_model("core", "Municipality").objects.create(name="みどり野市", code="011002")
        other = old.get_model("core", "Municipality").objects.create(name="あおば台町", code="012025")
        OldForm, OldShared = old.get_model("forms", "Form"), old.get_model("forms", "SharedTemplate")
        origin = OldForm.objects.create(name="元の様式", municipality=city)
        rows = [
            OldShared.objects.create(form=origin, municipality=city, name="元の様式", description="説明", version_number=3, schema=SIMPLE_SCHEMA),
            OldShared.objects.create(
                form=OldForm.objects.create(name="やめた様式", municipality=city), municipality=city, name="やめた", version_number=1, schema={}
            ),
        ]
        copied = OldForm.objects.create(
            name="コピー",
            municipality=other,
            origin_template_id=rows[0].pk,
            origin_form_id=origin.pk,
            origin_version=2,
            origin_municipality=city,
            origin_dismissed_version=3,
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        with tenancy.unscoped():
            now = {t.pk: (t.form_id, t.name, t.description, t.version_number, t.definition) for t in SharedTemplate.objects.all()}
            assert now == {r.pk: (r.form_id, r.name, r.description, r.version_number, r.schema) for r in rows}
            form = Form.objects.get(pk=copied.pk)
        assert (form.origin_template_id, form.origin_form_id, form.origin_version, form.origin_municipality_id, form.origin_dismissed_version) == (
            rows[0].pk,
            origin.pk,
            2,
            city.pk,
            3,
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
