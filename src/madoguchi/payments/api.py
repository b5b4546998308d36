"""Payments API for staff (職員): list and detail of the payments of their sections, through the
one permission check (``core.permissions``), every read audited (``core.audit``). Read-only:
counter payments and refunds stay on the staff pages (two people, CSRF, messages)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from ninja import Path, Query, Router, Schema
from ninja.security import django_auth
from pydantic import Field

from madoguchi.core import audit, permissions
from madoguchi.core.api_auth import is_staff_verified

from .models import Payment

router = Router(tags=["payments"])
ID = Path(..., ge=1, le=2**63 - 1)


class ErrorOut(Schema):
    rule: str
    detail: str


class PaymentOut(Schema):
    id: int
    merchant_reference: str = Field(description="支払番号（領収書番号）")
    purpose: str = Field(description="支払の内容")
    section: str = Field(description="担当課")
    amount: int = Field(description="金額（円）")
    refunded_amount: int = Field(description="返金額（円）")
    status: str = Field(
        description="状態: pending 未払 / processing 処理中 / paid 支払済 / failed 失敗 / expired 期限切れ / cancelled 取消 / partially_refunded 一部返金済 / refunded 返金済"
    )
    status_label: str
    provider: str = Field(description="決済手段")
    pay_by: dt.datetime = Field(description="支払期限")
    paid_at: dt.datetime | None = Field(None, description="支払日時")
    created_at: dt.datetime


class EventOut(Schema):
    from_status: str
    to_status: str
    provider: str
    note: str
    at: dt.datetime


class RefundOut(Schema):
    kind: str = Field(description="refund 返金 / rule 規則による返金 / transfer 振替")
    amount: int
    status: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None = None


class PaymentDetailOut(PaymentOut):
    payer_name: str = Field(description="支払者の氏名")
    payer_email: str
    provider_reference: str = Field(description="決済事業者の取引番号")
    events: list[EventOut]
    refunds: list[RefundOut]


def _out(p: Payment) -> dict:
    return dict(
        id=p.pk, merchant_reference=p.merchant_reference, purpose=p.purpose, section=p.section.name, amount=p.amount, refunded_amount=p.refunded_amount,
        status=p.status, status_label=str(p.get_status_display()), provider=p.provider, pay_by=p.pay_by, paid_at=p.paid_at, created_at=p.created_at,
    )  # fmt: skip


def _refused(request):
    if not is_staff_verified(request.user):
        return 403, {"rule": "staff", "detail": "職員（二要素認証済み）だけが使えます。"}
    return None


@router.get("/staff/payments", response={200: list[PaymentOut], 403: ErrorOut}, auth=django_auth, summary="（職員）担当課の支払の一覧")
def staff_payments(
    request,
    status: str = Query("", max_length=20, description="状態で絞り込み"),
    q: str = Query("", max_length=60, description="支払番号・支払の内容"),
    paid_from: dt.date | None = Query(None, description="支払日（から）"),
    paid_to: dt.date | None = Query(None, description="支払日（まで）"),
    limit: int = Query(100, ge=1, le=500),
):
    refused = _refused(request)
    if refused:
        return refused
    qs = permissions.scope(request.user, Payment.objects.select_related("section"))
    if status in Payment.Status.values:
        qs = qs.filter(status=status)
    if q.strip():
        qs = qs.filter(Q(merchant_reference__icontains=q.strip()) | Q(purpose__icontains=q.strip()))
    if paid_from:
        qs = qs.filter(paid_at__date__gte=paid_from)
    if paid_to:
        qs = qs.filter(paid_at__date__lte=paid_to)
    payments = list(qs[:limit])
    audit.record("view", None, request=request, detail={"list": "payments", "ids": [p.pk for p in payments], "via": "api"}, target_label="支払の一覧")
    return [_out(p) for p in payments]


@router.get("/staff/payments/{payment_id}", response={200: PaymentDetailOut, 403: ErrorOut, 404: ErrorOut}, auth=django_auth, summary="（職員）支払の詳細")
def staff_payment(request, payment_id: int = ID):
    refused = _refused(request)
    if refused:
        return refused
    p = Payment.objects.filter(pk=payment_id).select_related("section").first()
    if p is None or not permissions.can(request.user, "view", p):
        return 404, {"rule": "not_found", "detail": "担当する課の支払に見つかりません。"}  # another section's is not shown to exist
    audit.record("view", p, request=request, detail={"via": "api"})
    return dict(
        _out(p),
        payer_name=p.payer_name,
        payer_email=p.payer_email,
        provider_reference=p.provider_reference,
        events=[dict(from_status=e.from_status, to_status=e.to_status, provider=e.provider, note=e.note, at=e.at) for e in p.events.all()],
        refunds=[dict(kind=r.kind, amount=r.amount, status=r.status, requested_at=r.requested_at, decided_at=r.decided_at) for r in p.refunds.all()],
    )
