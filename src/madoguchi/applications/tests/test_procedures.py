"""Staff maintain the procedure catalogue (手続の管理) without code."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.models import Procedure
from madoguchi.core.models import AuditLog, Section
from madoguchi.forms.models import Form

from .test_flow import staff

pytestmark = pytest.mark.django_db


def test_admin_adds_procedure_with_kana_normalised_and_audited(client, demo):
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


def test_clerk_cannot_edit_and_manager_sees_only_own_sections(client, demo):
    procedure = Procedure.objects.filter(section__name="市民課").first()
    login_staff(client, staff("shimin"))  # 担当者: may view, not manage
    assert client.get(reverse("applications:staff_procedure_edit", args=[procedure.slug])).status_code == 404
    assert client.get(reverse("applications:staff_procedure_new")).status_code == 403
    other = Procedure.objects.exclude(section__name="情報政策課").first()
    login_staff(client, staff("admin"))  # platform administrator: everything
    response = client.get(reverse("applications:staff_procedure_edit", args=[other.slug]))
    assert response.status_code == 200 and other.name in response.content.decode()
