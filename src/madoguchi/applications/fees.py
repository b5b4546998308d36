"""A procedure's 手数料 as a payment (支払): applications keeps no payment state; it asks the
payments app through its public API (``madoguchi.payments.services``) and reads its answers.

- 窓口払い (counter): the payment is asked for when the case is submitted; staff record it at
  the counter (payments' staff page), the resident sees what is owed on the case page.
- 事前決済 (before): asked for on submission; the case page and the email offer the pay link;
  staff cannot take the case into 審査中/完了 until it is paid.
- 事後決済 (after): asked for when staff first take the case in (審査中 or 完了); the pay link
  goes to the resident by email (``applications/email/payment_requested`` through core.notify)
  and is on the case page.

A rejected or withdrawn case no longer owes an unpaid fee (its payment is cancelled)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from madoguchi.core import notify
from madoguchi.core.links import absolute_url
from madoguchi.payments import paylinks
from madoguchi.payments import services as pay

from .models import Submission

S = Submission.Status
# How long an asked-for fee stays payable online (expired ones can be reissued by the resident).
PAY_DAYS = {"before": 7, "after": 14, "counter": 30}
ACCEPTING = (S.REVIEWING, S.COMPLETED)


# 支払待ち: a 事前決済 case received but not paid yet. Not a column of its own: it follows from
# the case (受付済) and its payment, so it moves on by itself when the payment settles, and the
# inbox's 受付済 lists only the cases staff can take in.
AWAITING = "awaiting_payment"
AWAITING_LABEL = "支払待ち"


class FeeNotPaid(Exception):
    """事前決済: the case cannot be taken in before its fee is paid."""


def purpose(submission: Submission) -> str:
    return f"手数料（{submission.procedure.name}）"[:100]


def timing(submission: Submission) -> str | None:
    """The procedure's 支払い方, or None when it has no fee."""
    return submission.procedure.payment_timing if submission.procedure.fee > 0 else None


def payment(submission: Submission):
    """The case's live fee payment (None when none was asked for)."""
    return pay.payment_for(submission) if submission.pk else None


def request(submission: Submission):
    """Ask the payments app for the case's fee (the same payment when already asked: a
    resubmission or a second staff action makes no second fee)."""
    when = timing(submission)
    if when is None:
        return None
    pay_by = timezone.now() + dt.timedelta(days=PAY_DAYS[when])
    payer = submission.applicant or pay.Guest(submission.applicant_name or "", submission.applicant_email or "")
    return pay.request_payment(submission, purpose(submission), submission.procedure.fee, submission.section, payer, pay_by)


def on_submitted(submission: Submission) -> None:
    """After a first submission (in its transaction): 事前 and 窓口 fees are owed from now."""
    if timing(submission) in ("before", "counter"):
        request(submission)


def awaiting_q() -> Q:
    """The cases waiting for their 事前決済 fee (for the inbox's filter)."""
    prepaid = Q(status=S.RECEIVED, procedure__payment_timing="before", procedure__fee__gt=0)
    return prepaid & ~Q(pk__in=pay.settled_target_ids_query(Submission))


def is_awaiting(submission: Submission) -> bool:
    """支払待ち: 受付済 with a 事前決済 fee not paid yet."""
    return submission.status == S.RECEIVED and timing(submission) == "before" and not pay.is_paid(submission)


def mark_awaiting(submissions) -> list:
    """Set ``awaiting_payment`` on each case of a list page (one query for the page)."""
    submissions = list(submissions)
    candidates = [s for s in submissions if s.status == S.RECEIVED and timing(s) == "before"]
    paid = {int(k) for k, ps in pay.payments_of(candidates).items() if any(p.is_settled for p in ps)}
    for s in submissions:
        s.awaiting_payment = s in candidates and s.pk not in paid
    return submissions


def check_status_change(submission: Submission, to_status: str) -> None:
    """Refuse taking a 事前決済 case in before its fee is paid."""
    if timing(submission) == "before" and to_status in ACCEPTING and not pay.is_paid(submission):
        raise FeeNotPaid("事前決済の手数料がまだ支払われていません。支払いを確認してから審査を始めてください。")


def on_status_changed(submission: Submission, from_status: str, to_status: str) -> None:
    """After a staff status change (in its transaction)."""
    if to_status in (S.REJECTED, S.WITHDRAWN):
        current = payment(submission)
        if current is not None and current.status in pay.OPEN:
            pay.cancel(current, note="申請の却下・取下げ")
        return
    if timing(submission) == "after" and to_status in ACCEPTING and payment(submission) is None:
        fee = request(submission)
        if submission.applicant_email:
            from .services import _link_context, case_url

            notify.send_template(
                submission.applicant_email,
                "applications/email/payment_requested",
                {"submission": submission, "payment": fee, "pay_url": pay_url(fee), "url": case_url(submission), **_link_context(submission)},
                municipality=submission.procedure.municipality,
                dedupe_key=f"applications.fee:{fee.pk}",
            )


def staff_context(submission: Submission) -> dict:
    """What the staff case page shows of the fee: 支払待ち and the payment."""
    if timing(submission) is None:
        return {}
    current = payment(submission)
    awaiting = submission.status == S.RECEIVED and timing(submission) == "before" and not (current is not None and current.is_settled)
    return {"fee_awaiting": awaiting, "fee_payment": current}


def pay_url(fee) -> str:
    """The pay link for a case's emails: the signed-in payer's pay page, or — a case made
    without an account — the signed pay link (``payments.paylinks``: expires, nothing personal
    in it) that opens the same checkout without signing in."""
    if fee is None or fee.status not in pay.OPEN:
        return ""
    if fee.payer_id:
        return absolute_url("payments:pay", fee.pk, municipality=fee.municipality)
    return paylinks.url(fee)


def email_context(submission: Submission) -> dict:
    """The receipt email's fee lines: 事前決済 carries the pay link (signed for a case made
    without an account), so the applicant can pay before the case reaches staff."""
    if timing(submission) != "before":
        return {}
    fee = payment(submission)
    url = pay_url(fee)
    return {"fee_payment": fee, "pay_url": url} if url else {}


def context(submission: Submission, user) -> dict:
    """What the case page shows of the fee: amount, status, the pay link, 「支払済」 and the
    receipt. Only the applicant sees this page (signed in, or a case without an account in the
    browser its link or submission opened), so the link is theirs: the pay page when they are
    the signed-in payer, the signed pay link otherwise."""
    when = timing(submission)
    if when is None:
        return {}
    current = payment(submission)
    own = current is not None and current.payer_id is not None and getattr(user, "pk", None) == current.payer_id
    guest = current is not None and current.payer_id is None
    link = paylinks.url(current) if guest else ""
    return {
        "fee_awaiting": submission.status == S.RECEIVED and when == "before" and not (current is not None and current.is_settled),
        "fee_timing": when,
        "fee_payment": current,
        "fee_paid": current is not None and current.is_settled,
        "fee_payable_online": (own or guest) and when in ("before", "after") and current.status in pay.OPEN,
        "fee_pay_url": link or (reverse("payments:pay", args=[current.pk]) if own else ""),
        "fee_receipt": (own or guest) and current.is_settled,
        "fee_receipt_url": link or (reverse("payments:receipt", args=[current.pk]) if own else ""),
    }
