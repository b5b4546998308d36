"""補正依頼: while the resident edits, staff keep seeing what was submitted; the resubmission
records which fields changed; taking the case back without a resubmission restores it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications import services
from madoguchi.applications.models import Submission
from madoguchi.core.factories import ResidentFactory

from .test_flow import staff
from .test_section_digest import _apply

pytestmark = pytest.mark.django_db


def _edit_phone(case, resident, phone):
    """Post page 0 as the browser would: every field as shown, with the phone changed."""
    engine = services.engine_for(case)
    data = {"action": "save"}
    for f in engine.pages[0].fields:
        if f.has_input:
            data.update(engine.as_data(f, case.answers.get(f.key)))
    data["phone"] = phone
    services.save_page(case, 0, data, {}, owner=resident, validate=False)
    case.refresh_from_db()


def _people():
    return ResidentFactory(email="resident@example.jp"), staff("kaigo")


def test_staff_see_the_submitted_answers_until_the_resubmission(client):
    resident, clerk = _people()
    case = _apply(resident)
    services.change_status(case, Submission.Status.CORRECTION, actor=clerk, comment="電話番号をご確認ください。")
    case.refresh_from_db()
    # The resident is half-way through the fix: the page stored an edit in progress.
    _edit_phone(case, resident, "090-0000-1111")
    assert case.answers["phone"] == "090-0000-1111"

    login_staff(client, clerk)
    html = client.get(reverse("applications:staff_detail", args=[case.uuid])).content.decode()
    assert "補正依頼中です" in html and "03-1234-5678" in html and "090-0000-1111" not in html

    case.refresh_from_db()
    services.submit(case, actor=resident)
    case.refresh_from_db()
    assert case.status == Submission.Status.REVIEWING and case.answers["phone"] == "090-0000-1111"
    event = case.events.get(kind="resubmitted")
    assert event.body == "補正で変わった項目: 日中に連絡がとれる電話番号"
    html = client.get(reverse("applications:staff_detail", args=[case.uuid])).content.decode()
    assert "090-0000-1111" in html and "補正依頼中です" not in html


def test_taking_back_a_correction_restores_what_was_submitted():
    resident, clerk = _people()
    case = _apply(resident)
    services.change_status(case, Submission.Status.CORRECTION, actor=clerk, comment="電話番号をご確認ください。")
    case.refresh_from_db()
    _edit_phone(case, resident, "090-0000-1111")
    services.change_status(case, Submission.Status.REVIEWING, actor=clerk, comment="確認できました。補正は不要です。")
    case.refresh_from_db()
    assert case.status == Submission.Status.REVIEWING and case.answers["phone"] == "03-1234-5678"


def test_a_refused_comment_or_message_comes_back_next_to_its_field_with_the_text_kept(client):
    resident, clerk = _people()
    case = _apply(resident)
    login_staff(client, clerk)
    url = reverse("applications:staff_detail", args=[case.uuid])
    response = client.post(url, {"action": "status", "to_status": "correction", "comment": ""})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="error-summary"' in html
    assert 'id="id_comment_error"' in html and "コメント欄に書いてください" in html
    response = client.post(url, {"action": "note", "body": "番号 123456789018 を確認"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_body_error"' in html and "123456789018" in html  # kept for fixing
    client.force_login(resident)
    response = client.post(reverse("applications:my_message", args=[case.uuid]), {"body": "長い文章" * 600})
    html = response.content.decode()
    assert response.status_code == 400 and "2000文字以内" in html and 'aria-invalid="true"' in html
    case.refresh_from_db()
    assert case.status == Submission.Status.RECEIVED and not case.events.filter(kind__in=["message", "note"]).exists()
