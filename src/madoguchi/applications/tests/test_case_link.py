"""A case made without an account (or at the counter) is followed through the signed link in its
emails (照会用リンク): status, messages, correction and withdrawal, in any browser that opens it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from madoguchi.applications import services
from madoguchi.applications.models import Submission

from .test_flow import fill_all, staff, start

pytestmark = pytest.mark.django_db


def _link(message) -> str:
    return urlsplit(re.search(r"https?://\S+/my/applications/link/\S+/", message.body).group(0)).path


def test_anonymous_applicant_follows_messages_corrects_and_withdraws(client, run_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    submission = start(client, "sodai-gomi")
    assert submission.applicant is None
    fill_all(client, submission)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    run_tasks()
    receipt = next(m for m in mail.outbox if submission.receipt_number in m.subject)
    assert "ログインして" not in receipt.body and "転送しないでください" in receipt.body
    link = _link(receipt)

    phone = Client()  # another browser, e.g. the resident's phone opening the email
    assert phone.get(reverse("applications:my_detail", args=[submission.uuid])).status_code == 302  # to login
    opened = phone.get(link, follow=True)
    assert opened.status_code == 200 and submission.receipt_number in opened.content.decode()
    phone.post(reverse("applications:my_message", args=[submission.uuid]), {"body": "収集日を変えられますか。"})
    assert submission.events.filter(kind="message", actor=None, body="収集日を変えられますか。").exists()

    clerk = staff("gomi")
    services.change_status(submission, Submission.Status.CORRECTION, actor=clerk, comment="品目を確認してください。")
    run_tasks()
    notice = mail.outbox[-1]
    token = _link(notice).rstrip("/").rsplit("/", 1)[1]  # signed with a timestamp: not the same string
    assert "品目を確認してください。" in notice.body and services.case_from_link(token) == submission
    submission.refresh_from_db()
    fill_all(phone, submission)  # the link's browser may edit the returned case
    phone.post(reverse("applications:confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVIEWING

    phone.post(reverse("applications:my_withdraw", args=[submission.uuid]), {"reason": "不要になりました"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.WITHDRAWN

    # A third browser without the link sees nothing.
    assert Client().get(reverse("applications:my_pdf", args=[submission.uuid])).status_code == 404


def test_bad_link_and_account_cases(client, resident):
    response = Client().get(reverse("applications:case_link", args=["not-a-valid-token"]))
    assert response.status_code == 404 and "リンクが正しくありません" in response.content.decode()
    client.force_login(resident)
    own = start(client, "kaigo-saikofu")
    fill_all(client, own)
    client.post(reverse("applications:confirm", args=[own.uuid]))
    own.refresh_from_db()
    # A case with an account is never opened by a link alone: its URL is the login-protected page.
    assert services.case_url(own).endswith(reverse("applications:my_detail", args=[own.uuid]))
    from django.core import signing

    forged = signing.dumps(str(own.uuid), salt=services.CASE_LINK_SALT, compress=True)
    stranger = Client()
    assert "/accounts/login/" in stranger.get(reverse("applications:case_link", args=[forged]))["Location"]
    assert stranger.get(reverse("applications:my_detail", args=[own.uuid])).status_code == 302
