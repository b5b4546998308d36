"""Back office (職員): payments of the staff member's sections only, every read audited; counter
payments, refunds (request + approval by someone else), the daily report, refused notifications."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.core import audit, permissions
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import int_param

from . import reports, services
from .models import NotificationAnomaly, Payment, Refund


def _payment(request, pk: int, action: str = "view") -> Payment:
    payment = Payment.objects.filter(pk=pk).select_related("section", "payer").first()
    if payment is None or not permissions.can(request.user, action, payment):
        raise Http404  # another section's payment is not shown to exist
    return payment


@staff_required
def payment_list(request):
    qs = permissions.scope(request.user, Payment.objects.select_related("section"))
    status = request.GET.get("status", "")
    if status in Payment.Status.values:
        qs = qs.filter(status=status)
    query = (request.GET.get("q") or "").strip()
    if query:
        qs = qs.filter(Q(merchant_reference__icontains=query) | Q(purpose__icontains=query))
    payments = list(qs[:200])
    audit.record("view", None, request=request, detail={"list": "payments", "ids": [p.pk for p in payments]}, target_label="支払の一覧")
    return render(request, "payments/staff_list.html", {"payments": payments, "statuses": Payment.Status.choices, "status": status, "q": query})


@staff_required
def payment_detail(request, pk: int):
    payment = _payment(request, pk)
    audit.record("view", payment, request=request)
    return render(request, "payments/staff_detail.html", _detail_context(request, payment))


def _paid_for(payment) -> tuple[str, str]:
    """What the payment is for, as staff see it: a label and the owning app's staff page (its
    ``staff_url``), read through the generic link (this app reads none of its models)."""
    target = payment.target
    if target is None:
        return "", ""
    return f"{target._meta.verbose_name} {target}", getattr(target, "staff_url", "") or ""


def _detail_context(request, payment, **extra) -> dict:
    target_label, target_url = _paid_for(payment)
    return {
        "payment": payment,
        "target_label": target_label,
        "target_url": target_url,
        "events": payment.events.select_related("actor"),
        "refunds": payment.refunds.select_related("requested_by", "approved_by"),
        "anomalies": payment.anomalies.all()[:20],
        "counter_methods": services.COUNTER_METHODS,
        "can_change": permissions.can(request.user, "change", payment),
        **extra,
    }


@staff_required
@require_POST
def record_counter(request, pk: int):
    payment = _payment(request, pk, "change")
    try:
        services.record_counter_payment(payment, staff=request.user, method=request.POST.get("method", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit.record("update", payment, request=request, detail={"counter_payment": request.POST.get("method", "")})
        messages.success(request, "窓口での支払を記録しました。")
    return redirect("payments:staff_detail", payment.pk)


@staff_required
@require_POST
def refund_request(request, pk: int):
    payment = _payment(request, pk, "change")
    amount = int_param(request.POST.get("amount"))
    try:
        refund = services.request_refund(payment, amount=amount if amount is not None else -1, reason=request.POST.get("reason", ""), requested_by=request.user)
    except ValidationError as exc:
        payment.refresh_from_db()
        context = _detail_context(
            request, payment, refund_errors=exc.message_dict if hasattr(exc, "error_dict") else {"amount": exc.messages}, refund_input=request.POST
        )
        return render(request, "payments/staff_detail.html", context, status=400)
    audit.record("create", refund, request=request, detail={"amount": refund.amount})
    messages.success(request, "返金を申請しました。別の職員の承認を待っています。")
    return redirect("payments:staff_detail", payment.pk)


@staff_required
@require_POST
def refund_decide(request, pk: int):
    refund = Refund.objects.filter(pk=pk).select_related("payment__section").first()
    if refund is None or not permissions.can(request.user, "approve", refund.payment):
        raise Http404
    decide = services.approve_refund if request.POST.get("decision") == "approve" else services.reject_refund
    try:
        decide(refund, approver=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        audit.record("update", refund, request=request, detail={"decision": request.POST.get("decision", "reject")})
        messages.success(request, "返金を処理しました。")
    return redirect("payments:staff_detail", refund.payment_id)


@staff_required
def daily_report(request):
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    rows = reports.daily(request.user, day)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        audit.record("export", None, request=request, detail={"report": "payments_daily", "date": day.isoformat(), "format": fmt}, target_label="支払の日計表")
        if fmt == "csv":
            response = HttpResponse(reports.as_csv(day, rows), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(reports.as_xlsx(day, rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="payments-{day:%Y%m%d}.{fmt}"'
        return response
    audit.record("view", None, request=request, detail={"report": "payments_daily", "date": day.isoformat()}, target_label="支払の日計表")
    return render(
        request,
        "payments/staff_report.html",
        {"day": day, "rows": rows, "total_count": sum(r.count for r in rows), "total_amount": sum(r.total for r in rows)},
    )


@staff_required
def anomalies(request):
    """拒否した決済通知: those tied to a payment of the staff member's sections; the platform
    administrator also sees the ones that match no payment."""
    qs = NotificationAnomaly.objects.select_related("payment")
    allowed = permissions.section_ids(request.user, "view")
    if allowed is not None:
        qs = qs.filter(payment__section__in=allowed)
    items = list(qs[:200])
    audit.record("view", None, request=request, detail={"list": "payment_anomalies", "ids": [a.pk for a in items]}, target_label="拒否した決済通知")
    return render(request, "payments/staff_anomalies.html", {"anomalies": items})
