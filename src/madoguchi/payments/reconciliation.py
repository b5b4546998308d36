"""消込 (reconciliation): a provider's settlement report (CSV) against the platform's payments.

The report's layout is configuration per provider (``provider_settings["payments"][<key>]
["settlement_format"]``)::

    {"encoding": "utf-8-sig", "header": true, "reference": "merchant_reference", "amount": "amount"}

``reference`` holds the 支払番号 (merchant reference) or the provider's reference (a Stripe
Checkout Session id, a PayPay merchantPaymentId); a column is a header name or a 0-based
position. For a period (the dates the report covers) it lists: matched payments, amounts that
differ, what the provider has that the platform lacks (unknown or not settled here), and what
the platform settled that the provider lacks. Nothing is changed: staff act on each line."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from madoguchi.core import permissions
from madoguchi.core.tenancy import provider_settings

from .models import SETTLED, Payment

DEFAULT_FORMAT = {"encoding": "utf-8-sig", "header": True, "reference": "merchant_reference", "amount": "amount"}


@dataclass
class Line:
    reference: str
    report_amount: int | None = None
    platform_amount: int | None = None
    payment: Payment | None = None
    note: str = ""


@dataclass
class Reconciliation:
    matched: list[Line] = field(default_factory=list)
    amount_differs: list[Line] = field(default_factory=list)
    provider_only: list[Line] = field(default_factory=list)
    platform_only: list[Line] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)  # line numbers

    @property
    def clean(self) -> bool:
        return not (self.amount_differs or self.provider_only or self.platform_only or self.unreadable)


def _column(row, header, spec) -> str:
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit() and not header):
        index = int(spec)
    else:
        if not header or spec not in header:
            raise KeyError(spec)
        index = header.index(spec)
    return row[index].strip() if index < len(row) else ""


def parse_report(content: bytes, fmt: dict) -> tuple[dict[str, int], list[int]]:
    """{reference: amount} (a reference listed twice adds up: a capture and a partial refund
    line), and the line numbers that could not be read."""
    text = content.decode(fmt.get("encoding") or "utf-8-sig").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])] if fmt.get("header", True) else None
    amounts: dict[str, int] = {}
    bad: list[int] = []
    for line, row in enumerate(reader, start=2 if header else 1):
        if not any(c.strip() for c in row):
            continue
        reference = _column(row, header, fmt["reference"])
        raw = _column(row, header, fmt["amount"]).replace(",", "")
        try:
            amount = int(raw)
        except ValueError:
            bad.append(line)
            continue
        if not reference:
            bad.append(line)
            continue
        amounts[reference] = amounts.get(reference, 0) + amount
    return amounts, bad


def reconcile(user, provider_key: str, content: bytes, start: dt.date, end: dt.date, *, fmt: dict | None = None) -> Reconciliation:
    """Compare the report with the provider's payments settled from ``start`` to ``end`` (local
    dates) in the sections ``user`` may view. Raises KeyError for a column the file lacks."""
    fmt = {**DEFAULT_FORMAT, **(fmt or provider_settings("payments", provider_key).get("settlement_format") or {})}
    amounts, bad = parse_report(content, fmt)
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    mine = permissions.scope(user, Payment.objects.filter(provider=provider_key))
    in_period = {p.pk: p for p in mine.filter(status__in=SETTLED, paid_at__gte=lo, paid_at__lt=hi)}
    referenced = {}
    refs = list(amounts)
    for p in mine.filter(Q(merchant_reference__in=refs) | Q(provider_reference__in=refs)):
        for key in (p.merchant_reference, p.provider_reference):
            if key in amounts:
                referenced[key] = p
    result = Reconciliation(unreadable=bad)
    seen: set[int] = set()
    for reference, amount in amounts.items():
        payment = referenced.get(reference)
        if payment is None or payment.status not in SETTLED:
            note = "この支払番号の支払はありません" if payment is None else f"「{payment.get_status_display()}」の支払です"
            result.provider_only.append(Line(reference, amount, payment.amount if payment else None, payment, note))
            continue
        seen.add(payment.pk)
        expected = payment.amount - payment.refunded_amount
        line = Line(reference, amount, expected, payment)
        (result.matched if amount in (expected, payment.amount) else result.amount_differs).append(line)
    for pk, payment in in_period.items():
        if pk not in seen:
            result.platform_only.append(Line(payment.merchant_reference, None, payment.amount, payment, "決済事業者の報告にありません"))
    return result
