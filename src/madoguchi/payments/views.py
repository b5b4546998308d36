"""Resident pages (お支払い), the notification endpoint and the receipt. Rules live in services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.core import audit, permissions, ratelimit
from madoguchi.core.audit import client_ip
from madoguchi.core.errors import LoginRequired
from madoguchi.core.links import absolute_url
from madoguchi.core.registry import payment_providers

from . import notifications, receipts, services
from .models import Payment

S = Payment.Status
OWED = (S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED)


def _own_payment(request, pk: int) -> Payment:
    if not request.user.is_authenticated:
        raise LoginRequired()
    payment = Payment.objects.filter(pk=pk, payer=request.user).select_related("section").first()
    if payment is None:
        raise Http404
    return payment


def my_payments(request):
    """お支払い: what I owe and what I paid, in this city."""
    if not request.user.is_authenticated:
        raise LoginRequired()
    payments = list(Payment.objects.filter(payer=request.user).select_related("section"))
    owed = [p for p in payments if p.status in OWED]
    history = [p for p in payments if p.status not in OWED]
    return render(request, "payments/my_list.html", {"owed": owed, "history": history})


def pay(request, pk: int):
    """Choose a way to pay and go to its checkout; nothing typed here changes the amount."""
    payment = services.expire_if_due(_own_payment(request, pk))
    providers = services.selectable_providers(payment.municipality)
    error = ""
    if request.method == "POST" and payment.status in (S.PENDING, S.PROCESSING, S.FAILED):
        choice = request.POST.get("provider", "")
        if choice not in {p.key for p in providers}:
            error = "お支払い方法を選んでください。"
        else:
            try:
                url = services.start_checkout(
                    payment, choice, absolute_url("payments:result", payment.pk, municipality=payment.municipality), actor=request.user
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
                payment.refresh_from_db()
            else:
                return redirect(url)
    status = 400 if error else 200
    return render(request, "payments/pay.html", {"payment": payment, "providers": providers, "error": error}, status=status)


def result(request, pk: int):
    """The page the provider sends the resident back to; polls while the payment is 処理中."""
    payment = services.refresh_status(_own_payment(request, pk))
    template = "payments/_status.html" if request.headers.get("HX-Request") else "payments/result.html"
    return render(request, template, {"payment": payment})


@require_POST
def reissue(request, pk: int):
    """期限切れ → a new deadline, same payment."""
    payment = _own_payment(request, pk)
    try:
        services.reissue(payment, actor=request.user)
    except ValidationError:
        pass  # the pay page says why (already paid, cancelled)
    return redirect("payments:pay", payment.pk)


def receipt(request, pk: int):
    """領収書 PDF, once paid: for the payer, or staff of the payment's section (audited)."""
    payment = Payment.objects.filter(pk=pk).select_related("section", "municipality").first()
    if payment is None:
        raise Http404
    if not request.user.is_authenticated:
        raise LoginRequired()
    own = payment.payer_id == request.user.pk
    if not own:
        if not (permissions.is_staff_member(request.user) and request.user.is_verified() and permissions.can(request.user, "view", payment)):
            raise Http404
        audit.record("export", payment, request=request, detail={"what": "receipt"})
    if not payment.is_settled:
        raise Http404
    response = HttpResponse(receipts.render_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{payment.receipt_number}.pdf"'
    return response


@csrf_exempt
@ratelimit.exempt("provider notification: authenticated by its signature; refused ones are limited per address")
@require_POST
def notify(request, provider: str):
    """決済結果の通知 from a provider (server to server)."""
    if provider not in payment_providers:
        raise Http404
    answer = notifications.receive(provider, request, client_ip(request))
    return JsonResponse({"result": answer.result}, status=answer.status)
