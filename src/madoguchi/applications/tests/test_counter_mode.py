"""書かない窓口 (issue #12 item 8): contact details are optional at the counter, the visitor gets a
printed 受付票 instead, and the demo has the core counter procedures with forms."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications import counter, services
from madoguchi.applications.models import Procedure, Submission
from madoguchi.core.models import AuditLog

from .test_flow import catalogue, staff, valid_input

pytestmark = pytest.mark.django_db

COUNTER_PROCEDURES = {"tennyu": "転入届", "tenshutsu": "転出届", "tenkyo": "転居届", "inkan-toroku": "印鑑登録", "juminhyo": "住民票の写しの交付請求"}


def fill_at_counter(client, submission, *, skip_types=("email", "phone", "file")) -> None:
    """Post every page as staff would, leaving the contact fields (and the ID image) empty."""
    engine = services.engine_for(submission)
    for index, page in enumerate(engine.pages):
        data, files = {"action": "next"}, {}
        for f in page.fields:
            if f.type not in skip_types:
                data.update(valid_input(f, files))
        response = client.post(reverse("applications:counter_fill", args=[submission.uuid, index]), {**data, **files})
        assert response.status_code == 302, (index, response.content.decode()[:2000])


def test_counter_takes_an_application_without_email_and_prints_a_receipt(client, mailoutbox):
    procedure = catalogue("juminhyo")
    clerk = staff("shimin")
    login_staff(client, clerk)
    client.post(reverse("applications:counter_start", args=[procedure.slug]))
    submission = Submission.objects.get(channel="counter", procedure=procedure)
    page0 = client.get(reverse("applications:counter_fill", args=[submission.uuid, 0])).content.decode()
    assert "窓口では任意です" in page0  # the email and phone fields say why they may stay empty
    fill_at_counter(client, submission)
    response = client.post(reverse("applications:counter_confirm", args=[submission.uuid]))
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "received" and submission.receipt_number and submission.applicant_email == ""
    assert mailoutbox == []  # nobody to mail: the receipt is on paper

    done = client.get(reverse("applications:counter_print", args=[submission.uuid])).content.decode()
    receipt_url = reverse("applications:counter_receipt", args=[submission.uuid])
    assert receipt_url in done and "メールアドレスがありません" in done
    receipt = client.get(receipt_url)
    body = receipt.content.decode()
    assert receipt.status_code == 200
    assert "受付票（控え）" in body and submission.receipt_number in body and "これからの流れ" in body
    assert "受付番号を添えて担当課にお問い合わせ" in body  # what to do without an email address
    assert "勤務先へ提出" not in body  # no answers on the paper (only the name)
    assert AuditLog.objects.filter(action="view", target_id=str(submission.pk), detail__receipt=True).exists()


def test_online_the_same_form_still_requires_the_email(resident):
    procedure = catalogue("juminhyo")
    online = services.start_draft(procedure, user=resident)
    email = services.engine_for(online).fields["email"]
    assert email.required
    at_counter = services.start_draft(procedure, channel=Submission.Channel.COUNTER)
    assert not services.engine_for(at_counter).fields["email"].required
    assert not services.engine_for(at_counter).fields["id_document"].required
    assert procedure.form.published_version().schema["pages"][0]["fields"][-1].get("required", True)  # stored form unchanged


def test_receipt_is_staff_only_and_not_for_drafts(client):
    procedure = catalogue("juminhyo")
    draft = services.start_draft(procedure, channel=Submission.Channel.COUNTER)
    login_staff(client, staff("shimin"))
    assert client.get(reverse("applications:counter_receipt", args=[draft.uuid])).status_code == 404
    client.logout()
    response = client.get(reverse("applications:counter_receipt", args=[draft.uuid]))
    assert response.status_code in (302, 403)


def test_next_steps_name_the_section_and_time(client):
    procedure = catalogue("juminhyo")
    submission = Submission(procedure=procedure, section=procedure.section, applicant_email="a@example.jp")
    steps = " ".join(counter.next_steps(submission))
    assert procedure.section.name in steps and procedure.processing_time in steps and "メールアドレスにお送りします" in steps


def test_demo_has_the_core_counter_procedures_with_forms(client, demo_catalogue):
    clerk = get_user_model().objects.get(email__startswith="shimin@")
    login_staff(client, clerk)
    home = client.get(reverse("applications:counter_home")).content.decode()
    for slug, name in COUNTER_PROCEDURES.items():
        procedure = Procedure.objects.get(slug=slug)
        assert procedure.form is not None and procedure.form.published_version() is not None, slug
        assert name in procedure.name and procedure.name in home
    # 転入届 is taken at the counter end to end with the form engine's field types.
    client.post(reverse("applications:counter_start", args=["tennyu"]))
    submission = Submission.objects.get(channel="counter", procedure__slug="tennyu")
    types = {f.type for f in services.engine_for(submission).fields.values()}
    assert {"date", "address", "select", "radio", "checkboxes", "textarea"} <= types
    fill_at_counter(client, submission)
    client.post(reverse("applications:counter_confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    assert submission.status == "received"
    # Online, residents still cannot file them (counter only).
    assert not Procedure.objects.get(slug="tennyu").can_apply_online
