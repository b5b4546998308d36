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

from django.utils import timezone

from madoguchi.core import notify
from madoguchi.payments import services as pay

from .models import Submission

S = Submission.Status
# How long an asked-for fee stays payable online (expired ones can be reissued by the resident).
PAY_DAYS = {"before": 7, "after": 14, "counter": 30}
ACCEPTING = (S.REVIEWING, S.COMPLETED)


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
    return pay.request_payment(submission, purpose(submission), submission.procedure.fee, submission.section, submission.applicant, pay_by)


def on_submitted(submission: Submission) -> None:
    """After a first submission (in its transaction): 事前 and 窓口 fees are owed from now."""
    if timing(submission) in ("before", "counter"):
        request(submission)


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
                {"submission": submission, "payment": fee, "url": case_url(submission), **_link_context(submission)},
                municipality=submission.procedure.municipality,
                dedupe_key=f"applications.fee:{fee.pk}",
            )


def context(submission: Submission, user) -> dict:
    """What the case page shows of the fee: amount, status, the pay link (for the signed-in
    payer), 「支払済」 and the receipt."""
    when = timing(submission)
    if when is None:
        return {}
    current = payment(submission)
    own = current is not None and current.payer_id is not None and getattr(user, "pk", None) == current.payer_id
    return {
        "fee_timing": when,
        "fee_payment": current,
        "fee_paid": current is not None and current.is_settled,
        "fee_payable_online": own and when in ("before", "after") and current.status in pay.OPEN,
        "fee_receipt": own and current.is_settled,
    }
