"""ひな形の共有 (issue #10 item 3): a city shares a published form, other cities of the same
deployment list, preview and copy it, and a copy is told when the origin publishes a newer
version (offered, never forced)."""

from __future__ import annotations

import copy

import pytest

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog, MunicipalityDomain
from madoguchi.forms import services, sharing
from madoguchi.forms.factories import SIMPLE_SCHEMA, FormFactory, FormVersionFactory
from madoguchi.forms.models import Form, FormVersion, SharedTemplate

from .conftest import staff_login
from .html import BeautifulSoup

A_HOST, B_HOST, C_HOST = "midorino.localhost", "aobadai.localhost", "sakura.localhost"


@pytest.fixture
def cities(db):
    out = {}
    for key, name, host in (("a", "みどり野市", A_HOST), ("b", "あおば台町", B_HOST), ("c", "さくら村", C_HOST)):
        city = MunicipalityFactory(name=name)
        MunicipalityDomain.objects.create(municipality=city, domain=host)
        section = SectionFactory(municipality=city, name=f"{name}市民課")
        out[key] = {"city": city, "host": host, "section": section, "staff": StaffFactory(section=section)}
    tenancy.clear_caches()
    return out


def _as(client, who):
    client.logout()
    staff_login(client, who["staff"])
    return client


def _share(client, cities, form, description="住民票の写しの交付申請の様式です。"):
    _as(client, cities["a"])
    return client.post(f"/forms/staff/{form.pk}/share/", {"action": "share", "description": description}, HTTP_HOST=A_HOST)


@pytest.fixture
def origin(cities):
    return FormFactory(name="住民票の写しの交付申請", section=cities["a"]["section"])


def test_share_and_withdraw_are_audited(client, cities, origin):
    response = _share(client, cities, origin)
    assert response.status_code == 302
    template = SharedTemplate.objects.get(form=origin)
    assert template.is_shared and template.version_number == 1 and template.municipality_id == cities["a"]["city"].pk
    assert template.description == "住民票の写しの交付申請の様式です。"
    edit = client.get(f"/forms/staff/{origin.pk}/", HTTP_HOST=A_HOST).content.decode()
    assert "公開をやめる" in edit
    response = client.post(f"/forms/staff/{origin.pk}/share/", {"action": "withdraw"}, HTTP_HOST=A_HOST)
    assert response.status_code == 302
    template.refresh_from_db()
    assert not template.is_shared
    whats = list(AuditLog.objects.filter(target_id=str(origin.pk)).values_list("detail__what", flat=True))
    assert "フォームをひな形として他の自治体に公開" in whats and "ひな形の公開をやめた" in whats


def test_share_needs_a_published_version(client, cities):
    draft_only = FormFactory(section=cities["a"]["section"], published=False)
    _as(client, cities["a"])
    response = client.post(f"/forms/staff/{draft_only.pk}/share/", {"action": "share", "description": ""}, HTTP_HOST=A_HOST)
    assert response.status_code == 400
    assert "公開中の版がない" in response.content.decode()
    assert not SharedTemplate.objects.exists()


def test_other_city_lists_and_previews_only_shared_templates(client, cities, origin):
    secret = FormFactory(name="非公開の内部様式", section=cities["a"]["section"])
    withdrawn = FormFactory(name="公開をやめた様式", section=cities["a"]["section"])
    _share(client, cities, origin)
    _share(client, cities, withdrawn)
    client.post(f"/forms/staff/{withdrawn.pk}/share/", {"action": "withdraw"}, HTTP_HOST=A_HOST)
    own = FormFactory(name="あおば台町の自前の様式", section=cities["b"]["section"])
    with tenancy.using(cities["b"]["city"]):
        sharing.share(own, "自分の町のひな形")

    _as(client, cities["b"])
    listing = client.get("/forms/staff/templates/", HTTP_HOST=B_HOST)
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "住民票の写しの交付申請" in body and "みどり野市" in body and "住民票の写しの交付申請の様式です。" in body
    assert "非公開の内部様式" not in body and "公開をやめた様式" not in body
    assert "あおば台町の自前の様式" not in body  # only other cities' templates
    template = SharedTemplate.objects.get(form=origin)
    detail = client.get(f"/forms/staff/templates/{template.pk}/", HTTP_HOST=B_HOST)
    assert detail.status_code == 200
    soup = BeautifulSoup(detail.content.decode(), "html.parser")
    assert soup.select_one(".template-preview fieldset[disabled]")
    assert soup.select_one(".template-preview #f-name")  # the engine's own field markup
    assert f"/forms/staff/{origin.pk}/" not in detail.content.decode()  # no link into the origin's forms
    withdrawn_template = SharedTemplate.objects.get(form=withdrawn)
    assert client.get(f"/forms/staff/templates/{withdrawn_template.pk}/", HTTP_HOST=B_HOST).status_code == 404
    # the origin city does not see its own template in "other cities"
    _as(client, cities["a"])
    assert client.get(f"/forms/staff/templates/{template.pk}/", HTTP_HOST=A_HOST).status_code == 404
    # the origin's forms stay invisible on B's host
    _as(client, cities["b"])
    assert client.get(f"/forms/staff/{secret.pk}/", HTTP_HOST=B_HOST).status_code == 404
    assert client.get(f"/forms/staff/{origin.pk}/preview/", HTTP_HOST=B_HOST).status_code == 404


def _copy(client, cities, template, who="b"):
    _as(client, cities[who])
    return client.post(
        f"/forms/staff/templates/{template.pk}/",
        {"name": "住民票の写しの交付申請（コピー）", "section": cities[who]["section"].pk},
        HTTP_HOST=cities[who]["host"],
    )


def test_copy_records_origin_in_copiers_city_and_section(client, cities, origin):
    _share(client, cities, origin)
    template = SharedTemplate.objects.get(form=origin)
    response = _copy(client, cities, template)
    assert response.status_code == 302
    with tenancy.unscoped():
        copy_form = Form.objects.get(name="住民票の写しの交付申請（コピー）")
    assert copy_form.municipality_id == cities["b"]["city"].pk and copy_form.section_id == cities["b"]["section"].pk
    assert (copy_form.origin_form_id, copy_form.origin_version, copy_form.origin_municipality_id) == (origin.pk, 1, cities["a"]["city"].pk)
    assert copy_form.origin_template_id == template.pk
    with tenancy.unscoped():
        versions = list(copy_form.versions.all())
    assert [(v.number, v.status) for v in versions] == [(1, FormVersion.Status.DRAFT)]
    assert versions[0].schema == SIMPLE_SCHEMA and versions[0].municipality_id == cities["b"]["city"].pk
    assert response["Location"] == f"/forms/staff/{copy_form.pk}/"
    edit = client.get(response["Location"], HTTP_HOST=B_HOST).content.decode()
    assert "みどり野市のひな形（第1版）をコピーして作りました" in edit
    assert f"/forms/staff/{origin.pk}/" not in edit
    log = AuditLog.objects.get(target_id=str(copy_form.pk), action=AuditLog.Action.CREATE)
    assert log.detail["origin_form"] == origin.pk and log.detail["origin_municipality"] == cities["a"]["city"].pk


def test_copy_requires_a_section_of_the_copiers_city(client, cities, origin):
    _share(client, cities, origin)
    template = SharedTemplate.objects.get(form=origin)
    _as(client, cities["b"])
    response = client.post(f"/forms/staff/templates/{template.pk}/", {"name": "x", "section": cities["a"]["section"].pk}, HTTP_HOST=B_HOST)
    assert response.status_code == 400
    assert "「担当課」は示された一覧から選んでください。" in response.content.decode()
    with tenancy.unscoped():
        assert Form.objects.filter(origin_form_id=origin.pk).count() == 0


def _publish_new_origin_version(cities, origin):
    schema = copy.deepcopy(SIMPLE_SCHEMA)
    fields = schema["pages"][0]["fields"]
    fields[0]["label"] = "申請者の氏名"
    fields.pop(1)  # email removed
    fields.append({"key": "phone", "type": "phone", "label": "電話番号"})
    with tenancy.using(cities["a"]["city"]):
        draft = FormVersionFactory(form=origin, number=2, schema=schema, status=FormVersion.Status.DRAFT)
        services.publish(draft)
    return schema


def test_update_notice_offered_then_applied(client, cities, origin):
    _share(client, cities, origin)
    template = SharedTemplate.objects.get(form=origin)
    _copy(client, cities, template)
    with tenancy.unscoped():
        copy_form = Form.objects.get(origin_form_id=origin.pk)
    edit_url = f"/forms/staff/{copy_form.pk}/"
    assert "元の様式が更新されました" not in client.get(edit_url, HTTP_HOST=B_HOST).content.decode()

    new_schema = _publish_new_origin_version(cities, origin)
    template.refresh_from_db()
    assert template.version_number == 2  # a shared form's newer published version is the shared one

    body = client.get(edit_url, HTTP_HOST=B_HOST).content.decode()
    assert "元の様式が更新されました（第2版）" in body
    assert "追加される項目: 電話番号" in body and "なくなる項目: メールアドレス" in body and "氏名 → 申請者の氏名" in body
    with tenancy.unscoped():
        assert copy_form.versions.get().schema == SIMPLE_SCHEMA  # not applied by itself

    response = client.post(f"{edit_url}origin/apply/", {"version": "2"}, HTTP_HOST=B_HOST)
    assert response.status_code == 302
    copy_form.refresh_from_db()
    assert copy_form.origin_version == 2
    with tenancy.unscoped():
        assert copy_form.draft_version().schema == new_schema
    assert "元の様式が更新されました" not in client.get(edit_url, HTTP_HOST=B_HOST).content.decode()
    assert AuditLog.objects.filter(target_id=str(copy_form.pk), detail__what="元の様式の更新を下書きに取り込み").exists()


def test_apply_makes_a_new_draft_after_the_copy_published(client, cities, origin):
    _share(client, cities, origin)
    _copy(client, cities, SharedTemplate.objects.get(form=origin))
    with tenancy.unscoped():
        copy_form = Form.objects.get(origin_form_id=origin.pk)
    client.post(f"/forms/staff/{copy_form.pk}/publish/", HTTP_HOST=B_HOST)
    new_schema = _publish_new_origin_version(cities, origin)
    client.post(f"/forms/staff/{copy_form.pk}/origin/apply/", {"version": "2"}, HTTP_HOST=B_HOST)
    with tenancy.unscoped():
        versions = {v.number: v for v in copy_form.versions.all()}
    assert versions[1].is_published and versions[1].schema == SIMPLE_SCHEMA  # the copy's published version unchanged
    assert not versions[2].is_published and versions[2].schema == new_schema


def test_dismiss_hides_the_notice_for_that_version_only(client, cities, origin):
    _share(client, cities, origin)
    _copy(client, cities, SharedTemplate.objects.get(form=origin))
    with tenancy.unscoped():
        copy_form = Form.objects.get(origin_form_id=origin.pk)
    edit_url = f"/forms/staff/{copy_form.pk}/"
    _publish_new_origin_version(cities, origin)
    assert client.post(f"{edit_url}origin/dismiss/", {"version": "1"}, HTTP_HOST=B_HOST).status_code == 404  # stale notice
    assert client.post(f"{edit_url}origin/dismiss/", {"version": "2"}, HTTP_HOST=B_HOST).status_code == 302
    assert "元の様式が更新されました" not in client.get(edit_url, HTTP_HOST=B_HOST).content.decode()
    with tenancy.unscoped():
        assert copy_form.versions.get().schema == SIMPLE_SCHEMA
    assert client.post(f"{edit_url}origin/apply/", {"version": "2"}, HTTP_HOST=B_HOST).status_code == 404
    with tenancy.using(cities["a"]["city"]):
        draft = FormVersionFactory(form=origin, number=3, status=FormVersion.Status.DRAFT)
        services.publish(draft)
    assert "元の様式が更新されました（第3版）" in client.get(edit_url, HTTP_HOST=B_HOST).content.decode()


def test_withdrawn_origin_no_longer_notifies(client, cities, origin):
    _share(client, cities, origin)
    _copy(client, cities, SharedTemplate.objects.get(form=origin))
    with tenancy.unscoped():
        copy_form = Form.objects.get(origin_form_id=origin.pk)
    _as(client, cities["a"])
    client.post(f"/forms/staff/{origin.pk}/share/", {"action": "withdraw"}, HTTP_HOST=A_HOST)
    _publish_new_origin_version(cities, origin)
    _as(client, cities["b"])
    body = client.get(f"/forms/staff/{copy_form.pk}/", HTTP_HOST=B_HOST).content.decode()
    assert "元の様式が更新されました" not in body


def test_third_city_cannot_withdraw_or_edit_the_origin(client, cities, origin):
    _share(client, cities, origin)
    template = SharedTemplate.objects.get(form=origin)
    _as(client, cities["c"])
    assert client.get("/forms/staff/templates/", HTTP_HOST=C_HOST).status_code == 200
    assert client.post(f"/forms/staff/{origin.pk}/share/", {"action": "withdraw"}, HTTP_HOST=C_HOST).status_code == 404
    assert client.get(f"/forms/staff/{origin.pk}/", HTTP_HOST=C_HOST).status_code == 404
    assert client.post(f"/forms/staff/{origin.pk}/", {"op": "save"}, HTTP_HOST=C_HOST).status_code == 404
    assert client.post(f"/forms/staff/{origin.pk}/publish/", HTTP_HOST=C_HOST).status_code == 404
    # on the origin's host, C's staff hold no role there
    assert client.post(f"/forms/staff/{origin.pk}/share/", {"action": "withdraw"}, HTTP_HOST=A_HOST).status_code in (302, 403, 404)
    template.refresh_from_db()
    assert template.is_shared
    with tenancy.unscoped():
        assert origin.versions.count() == 1
