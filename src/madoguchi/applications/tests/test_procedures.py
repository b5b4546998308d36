"""Staff maintain the procedure catalogue (手続の管理) without code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission
from madoguchi.core.factories import SectionFactory
from madoguchi.core.models import AuditLog, Section
from madoguchi.forms.factories import FormFactory
from madoguchi.forms.models import Form

from .test_flow import catalogue, staff

pytestmark = pytest.mark.django_db


def test_admin_adds_procedure_with_kana_normalised_and_audited(client):
    FormFactory(section=SectionFactory(name="市民課"))
    login_staff(client, staff("admin"))
    assert client.get(reverse("applications:staff_procedures")).status_code == 200
    section = Section.objects.get(name="市民課", municipality__is_default=True)
    form = Form.objects.filter(section=section).first() or Form.objects.first()
    data = {
        "name": "テスト証明書の交付申請",
        "name_kana": "ﾃｽﾄｼｮｳﾒｲｼｮ",  # half-width katakana, as typed on an old keyboard
        "slug": "test-shoumeisho",
        "section": section.pk,
        "summary": "テスト用の手続です。",
        "fee": 300,
        "processing_time": "即日",
        "online": "on",
        "identity_assurance": "account",
        "retention_years": 5,
        "order": 1,
    }
    # online without a form or external address is refused, naming the field
    response = client.post(reverse("applications:staff_procedure_new"), data)
    assert response.status_code == 200
    assert "申請フォーム" in response.content.decode()
    assert not Procedure.objects.filter(slug="test-shoumeisho").exists()

    data["form"] = form.pk
    response = client.post(reverse("applications:staff_procedure_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure = Procedure.objects.get(slug="test-shoumeisho")
    assert procedure.name_kana == "てすとしょうめいしょ"
    assert AuditLog.objects.filter(action="create", target_id=str(procedure.pk)).exists()
    # it appears in the public catalogue
    assert "テスト証明書の交付申請" in client.get(reverse("applications:catalogue"), {"q": "てすと"}).content.decode()


def test_clerk_cannot_edit_and_manager_sees_only_own_sections(client):
    ProcedureFactory(section=SectionFactory(name="市民課"))
    ProcedureFactory(section=SectionFactory(name="子育て支援課"))
    procedure = Procedure.objects.filter(section__name="市民課").first()
    login_staff(client, staff("shimin"))  # 担当者: may view, not manage
    assert client.get(reverse("applications:staff_procedure_edit", args=[procedure.slug])).status_code == 404
    assert client.get(reverse("applications:staff_procedure_new")).status_code == 403
    other = Procedure.objects.exclude(section__name="情報政策課").first()
    login_staff(client, staff("admin"))  # platform administrator: everything
    response = client.get(reverse("applications:staff_procedure_edit", args=[other.slug]))
    assert response.status_code == 200 and other.name in response.content.decode()


def test_draft_keeps_its_form_version_when_staff_publish_a_new_one(client, resident):
    import copy

    from madoguchi.forms import services as form_services

    from .test_flow import start

    client.force_login(resident)
    submission = start(client, "goiken")
    old_version = submission.form_version
    form = old_version.form
    draft = form_services.get_or_create_draft(form)
    schema = copy.deepcopy(old_version.schema)
    schema["pages"][0]["fields"].append({"key": "added_later", "type": "text", "label": "後から追加した欄", "required": True})
    form_services.save_draft(draft, schema)
    new_version = form_services.publish(draft)
    assert new_version.pk != old_version.pk
    # the draft in progress still renders and validates against the version it started with
    response = client.get(reverse("applications:fill", args=[submission.uuid, 0]))
    assert response.status_code == 200 and "後から追加した欄" not in response.content.decode()
    submission.refresh_from_db()
    assert submission.form_version_id == old_version.pk
    # a new application uses the new version
    form.refresh_from_db()
    assert form.published_version().pk == new_version.pk


def test_orphan_uploads_are_purged_but_referenced_ones_kept(tmp_path, settings):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from madoguchi.applications import services
    from madoguchi.forms.models import Upload

    settings.MEDIA_ROOT = tmp_path

    def upload(name):
        u = Upload(original_name=name, size=4, content_type="text/plain", sha256="0" * 64, session_key="s")
        u.file.save(name, ContentFile(b"test"), save=True)
        return u

    kept, orphan, recent = upload("kept.txt"), upload("orphan.txt"), upload("recent.txt")
    old = timezone.now() - dt.timedelta(days=200)
    Upload.objects.filter(pk__in=[kept.pk, orphan.pk]).update(created_at=old)
    procedure = catalogue("goiken")
    s = services.start_draft(procedure, session_key="s")
    Submission.objects.filter(pk=s.pk).update(status="received", receipt_number="2026-999999", answers={"file": kept.as_answer()})
    report = services.purge_expired()
    assert report["orphans"] == 1
    assert set(Upload.objects.values_list("pk", flat=True)) >= {kept.pk, recent.pk}
    assert not Upload.objects.filter(pk=orphan.pk).exists()


def test_my_number_card_procedures_go_to_the_national_portal(client, resident):
    ProcedureFactory()
    login_staff(client, staff("admin"))
    procedure = Procedure.objects.filter(online=True, form__isnull=False, external_url="").first()
    data = {
        f: getattr(procedure, f)
        for f in (
            "name",
            "name_kana",
            "slug",
            "summary",
            "eligibility",
            "required_documents",
            "fee",
            "fee_note",
            "processing_time",
            "retention_years",
            "counter_note",
            "order",
        )
    }
    data.update(section=procedure.section_id, form=procedure.form_id, online="on", identity_assurance="my_number_card", is_published="on")
    response = client.post(reverse("applications:staff_procedure_edit", args=[procedure.slug]), data)
    assert response.status_code == 200 and "マイナポータル" in response.content.decode()
    # if it is set that way anyway, residents are told where to go instead of getting a form
    Procedure.objects.filter(pk=procedure.pk).update(identity_assurance="my_number_card")
    client.force_login(resident)
    response = client.post(reverse("applications:start", args=[procedure.slug]), follow=True)
    assert "マイナンバーカードによる本人確認が必要です" in response.content.decode()
