"""Signed case links (照会用リンク) of cases made without an account: they expire after
``APPLICATIONS_CASE_LINK_DAYS``, open the case only for reading once it is closed or withdrawn,
and a fresh one can be mailed to the case's address (receipt number + email, rate limited)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from madoguchi.core import notify
from madoguchi.core.links import absolute_url
from madoguchi.core.signed_links import SignedLink

from . import conf
from .models import Submission

LINK = SignedLink(salt="applications.case-link", session_key="applications_case_links")
SESSION_KEY = LINK.session_key
S = Submission.Status
CLOSED = {S.COMPLETED, S.REJECTED, S.WITHDRAWN}


@dataclass
class Opened:
    submission: Submission | None
    expired: bool = False
    expires_at: float = 0.0


def make_token(submission: Submission) -> str:
    return LINK.make(str(submission.uuid), compress=True)


def url(submission: Submission) -> str:
    return absolute_url("applications:case_link", make_token(submission), municipality=submission.procedure.municipality)


def open_token(token: str) -> Opened:
    """The case a link names, or why not: a broken or forged link (``submission`` None), or an
    expired one (``expired``)."""
    opened = LINK.open(token, conf.case_link_days())
    if opened.value is None:
        return Opened(None)
    if opened.expired:
        return Opened(None, expired=True)
    submission = Submission.objects.filter(uuid=opened.value).exclude(status=S.DRAFT).first()
    return Opened(submission, expires_at=opened.expires_at)


def remember(session, submission: Submission, expires_at: float) -> None:
    """This browser may see the case until its link expires (older entries, and the list of
    uuids earlier versions kept without an expiry, are dropped)."""
    LINK.remember(session, submission.uuid, expires_at)


def opened_here(session, uuid) -> bool:
    """True while this browser holds an unexpired link to the case."""
    return LINK.granted(session, uuid)


def may_write(submission: Submission) -> bool:
    """A link writes (messages, corrections, uploads) only while the case is open."""
    return submission.status not in CLOSED


def closed_message(submission: Submission) -> str:
    return (
        f"この申請は「{S(submission.status).label}」のため、照会用リンクからはメッセージを送ったり内容を変えたりできません。"
        "ご用件は担当課へ電話または窓口でお問い合わせください。"
    )


def resend(receipt_number: str, email: str) -> None:
    """Mail a fresh link when the receipt number and address match a case made without an
    account; the caller answers the same either way (the view is limited per recipient and per
    client address by ``core.ratelimit.limit_mail``, counted whether or not it matched)."""
    email = (email or "").strip().lower()
    submission = (
        Submission.objects.filter(receipt_number=(receipt_number or "").strip(), applicant__isnull=True, applicant_email__iexact=email)
        .exclude(status=S.DRAFT)
        .select_related("procedure__municipality", "section")
        .first()
    )
    if submission is not None:
        notify.send_template(
            submission.applicant_email,
            "applications/email/case_link",
            {"submission": submission, "url": url(submission), "days": conf.case_link_days()},
            municipality=submission.procedure.municipality,
            dedupe_key=f"applications.case_link:{submission.pk}:{int(timezone.now().timestamp()) // 60}",
        )
