"""The section's digest email (課への新着のお知らせ): one email per section per period, listing new
applications, resubmissions and residents' messages by receipt number only."""

from __future__ import annotations

import pytest
from django.core import mail

from madoguchi.applications import services
from madoguchi.applications.models import Submission, SubmissionEvent

from .test_api import ANSWERS
from .test_flow import catalogue, staff

pytestmark = pytest.mark.django_db


def _apply(user, slug="kaigo-saikofu", channel=Submission.Channel.API):
    case = services.new_submission(catalogue(slug), dict(ANSWERS), user=user, channel=channel)
    return services.submit(case, actor=user)


def test_one_digest_per_section_lists_cases_without_personal_data(resident, run_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    kaigo = staff("kaigo")
    first, second = _apply(resident), _apply(resident)
    services.change_status(second, Submission.Status.CORRECTION, actor=kaigo, comment="生年月日をご確認ください。")
    second.refresh_from_db()
    services.submit(second, actor=resident)  # resubmitted after the correction
    services.post_message(first, "原本は郵送しますか？", sender=resident, from_staff=False)
    services.post_message(first, "郵送は不要です。", sender=kaigo, from_staff=True)  # staff's own: not listed
    run_tasks()
    mail.outbox.clear()  # the resident's receipts and notices

    assert services.section_digest() == 4
    run_tasks()
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [first.section.email]
    assert "新しい申請 2件、補正後の再提出 1件、申請者からのメッセージ 1件" in digest.subject
    assert first.receipt_number in digest.body and second.receipt_number in digest.body
    assert str(first.uuid) in digest.body and "/staff/applications/" in digest.body
    assert ANSWERS["name"] not in digest.body + digest.subject and "原本" not in digest.body

    # Nothing new: no email. Counter cases are the section's own work: never listed.
    assert services.section_digest() == 0
    _apply(kaigo, channel=Submission.Channel.COUNTER)
    assert services.section_digest() == 0
    run_tasks()
    assert [m.to for m in mail.outbox].count([first.section.email]) == 1  # (the other is the counter case's receipt)


def test_digest_is_one_email_however_many_cases(resident, run_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cases = [_apply(resident) for _ in range(services.DIGEST_LINES + 3)]
    run_tasks()
    mail.outbox.clear()
    services.section_digest()
    run_tasks()
    (digest,) = mail.outbox
    assert f"新しい申請 {len(cases)}件" in digest.subject
    assert "ほか 3件は受付一覧で確認してください。" in digest.body
    assert cases[0].receipt_number in digest.body and cases[-1].receipt_number not in digest.body


def test_section_without_address_is_cleared_and_the_task_is_registered(resident, settings):
    from madoguchi.core.tasks import _PERIODIC

    case = _apply(resident)
    case.section.email = ""
    case.section.save(update_fields=["email"])
    assert services.section_digest() == 1
    assert not SubmissionEvent.objects.filter(section_pending=True).exists()
    assert _PERIODIC["applications.section_digest"] == settings.SECTION_DIGEST_MINUTES * 60


def test_withdrawal_is_listed_and_free_text_refuses_a_my_number(resident, run_tasks, settings):
    from django.core.exceptions import ValidationError

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    kaigo = staff("kaigo")
    first, second = _apply(resident), _apply(resident)
    my_number = "123456789018"  # passes the check digit
    for call, field in [
        (lambda: services.change_status(first, Submission.Status.CORRECTION, actor=kaigo, comment=f"番号 {my_number} を確認"), "comment"),
        (lambda: services.bulk_change_status([first], Submission.Status.REVIEWING, actor=kaigo, comment=my_number), "comment"),
        (lambda: services.withdraw(first, user=resident, reason=f"{my_number} のため"), "reason"),
        (lambda: services.post_message(first, my_number, sender=resident, from_staff=False), "body"),
    ]:
        with pytest.raises(ValidationError) as caught:
            call()
        assert "マイナンバー" in caught.value.message_dict[field][0]
    first.refresh_from_db()
    assert first.status == Submission.Status.RECEIVED  # nothing changed

    services.section_digest()
    services.withdraw(second, user=resident, reason="不要になりました")
    run_tasks()
    mail.outbox.clear()
    assert services.section_digest() == 1
    run_tasks()
    (digest,) = mail.outbox
    assert "取下げ 1件" in digest.subject and second.receipt_number in digest.body
