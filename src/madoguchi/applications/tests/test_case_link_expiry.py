"""Signed case links (issue #11 item 7): they expire (APPLICATIONS_CASE_LINK_DAYS), write nothing
once the case is closed or withdrawn (reading stays until expiry), and a fresh one is mailed to
the case's address from receipt number + email — same answer either way, rate limited."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from madoguchi.applications import case_links, services
from madoguchi.applications.factories import SubmissionFactory
from madoguchi.applications.models import Submission

pytestmark = pytest.mark.django_db

S = Submission.Status
START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def case(city):
    return SubmissionFactory(applicant=None, applicant_name="窓口 花子", applicant_email="hanako@example.jp", status=S.RECEIVED)


def _link(submission) -> str:
    return urlsplit(services.case_url(submission)).path


def test_link_expires_after_the_setting(case, settings):
    settings.APPLICATIONS_CASE_LINK_DAYS = 7
    settings.SESSION_COOKIE_AGE = 30 * 86400  # a session outliving the link still loses the case
    browser = Client()
    with time_machine.travel(START, tick=False):
        link = _link(case)
        assert browser.get(link).status_code == 302
        assert browser.get(reverse("applications:my_detail", args=[case.uuid])).status_code == 200
    with time_machine.travel(START + dt.timedelta(days=6, hours=23), tick=False):
        assert browser.get(reverse("applications:my_pdf", args=[case.uuid])).status_code == 200
        assert Client().get(link).status_code == 302
        assert services.case_from_link(link.rstrip("/").rsplit("/", 1)[1]) == case
    with time_machine.travel(START + dt.timedelta(days=7, hours=1), tick=False):
        # The browser that opened it loses the case with the link …
        assert browser.get(reverse("applications:my_detail", args=[case.uuid])).status_code == 302
        assert browser.get(reverse("applications:my_pdf", args=[case.uuid])).status_code == 404
        # … and the link itself says it expired and where to get a fresh one.
        response = Client().get(link)
        assert response.status_code == 410
        page = response.content.decode()
        assert "有効期限が切れています" in page and reverse("applications:case_link_resend") in page


def test_closed_or_withdrawn_case_reads_but_takes_no_message(case):
    browser = Client()
    browser.get(_link(case))
    assert browser.post(reverse("applications:my_message", args=[case.uuid]), {"body": "まだですか"}).status_code == 302
    assert case.events.filter(kind="message").count() == 1
    browser.post(reverse("applications:my_withdraw", args=[case.uuid]), {"reason": "不要になりました"})
    case.refresh_from_db()
    assert case.status == S.WITHDRAWN
    response = browser.post(reverse("applications:my_message", args=[case.uuid]), {"body": "やはり必要です"})
    assert response.status_code == 403
    assert "照会用リンクからはメッセージを送ったり内容を変えたりできません" in response.content.decode()
    assert case.events.filter(kind="message").count() == 1
    assert browser.get(reverse("applications:my_detail", args=[case.uuid])).status_code == 200  # reading stays
    assert browser.get(reverse("applications:my_pdf", args=[case.uuid])).status_code == 200


def test_completed_case_takes_no_message_through_its_link(case):
    Submission.objects.filter(pk=case.pk).update(status=S.COMPLETED, closed_at=timezone.now())
    browser = Client()
    browser.get(_link(case))
    assert browser.post(reverse("applications:my_message", args=[case.uuid]), {"body": "質問です"}).status_code == 403
    assert not case.events.filter(kind="message").exists()


def test_resend_mails_a_fresh_link_and_answers_the_same_either_way(case, run_tasks):
    url = reverse("applications:case_link_resend")
    assert Client().get(url).status_code == 200
    matched = Client().post(url, {"receipt_number": case.receipt_number, "email": "HANAKO@example.jp"})
    unmatched = Client().post(url, {"receipt_number": case.receipt_number, "email": "someone@example.jp"})
    unknown = Client().post(url, {"receipt_number": "2099-999999", "email": "hanako@example.jp"})
    assert matched.status_code == unmatched.status_code == unknown.status_code == 200

    def text(r):
        return re.sub(r'(csrfmiddlewaretoken" value="|CSRFToken": ")[^"]+"', "", r.content.decode())

    assert text(matched) == text(unmatched) == text(unknown)
    assert "新しい照会用リンクをそのアドレスにお送りしました" in text(matched)
    run_tasks()
    assert [m.to for m in mail.outbox] == [["hanako@example.jp"]]
    body = mail.outbox[0].body
    assert case.receipt_number in body and "日間有効" in body
    link = urlsplit(re.search(r"https?://\S+/my/applications/link/\S+/", body).group(0)).path
    phone = Client()
    assert phone.get(link).status_code == 302
    assert phone.get(reverse("applications:my_detail", args=[case.uuid])).status_code == 200


def test_resend_is_not_sent_for_a_case_with_an_account(city, run_tasks):
    own = SubmissionFactory(status=S.RECEIVED)  # the resident signs in instead
    Client().post(reverse("applications:case_link_resend"), {"receipt_number": own.receipt_number, "email": own.applicant_email})
    run_tasks()
    assert mail.outbox == []


def test_resend_is_rate_limited_per_address(case, settings, run_tasks):
    settings.MAIL_RATE_LIMIT = 2  # core.ratelimit's mail limit, per recipient
    url = reverse("applications:case_link_resend")
    for n in range(2):
        assert Client().post(url, {"receipt_number": case.receipt_number, "email": case.applicant_email}, REMOTE_ADDR=f"192.0.2.{n}").status_code == 200
    response = Client().post(url, {"receipt_number": case.receipt_number, "email": case.applicant_email}, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "一時的に受け付けを停止しています" in response.content.decode()
    # An address that matched nothing counts the same (no oracle through the limit either).
    for n in range(2):
        Client().post(url, {"receipt_number": "2099-999999", "email": "x@example.jp"}, REMOTE_ADDR=f"198.51.100.{n}")
    assert Client().post(url, {"receipt_number": "2099-999999", "email": "x@example.jp"}, REMOTE_ADDR="198.51.100.9").status_code == 429
    run_tasks()
    assert len(mail.outbox) == 1  # the two accepted asks within a minute are one mail (dedupe key)


def test_receipt_email_says_how_long_the_link_works(case, run_tasks, settings):
    settings.APPLICATIONS_CASE_LINK_DAYS = 14
    services._notify_submitted(case, False, case.events.create(kind="status", to_status=S.RECEIVED))
    run_tasks()
    body = mail.outbox[-1].body
    assert "リンクは14日間有効です" in body and reverse("applications:case_link_resend") in body


def test_links_stored_by_earlier_versions_are_not_trusted(case):
    browser = Client()
    session = browser.session
    session[case_links.SESSION_KEY] = [str(case.uuid)]  # the old list without expiry
    session.save()
    assert browser.get(reverse("applications:my_detail", args=[case.uuid])).status_code == 302
