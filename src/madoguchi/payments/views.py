"""Resident pages (お支払い), the notification endpoint and the receipt. Rules live in services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.core import audit, permissions, ratelimit
from madoguchi.core.audit import client_ip
from madoguchi.core.errors import LoginRequired
from madoguchi.core.links import absolute_url
from madoguchi.core.registry import payment_providers

from . import conf, notifications, paylinks, receipts, services
from .models import Payment

S = Payment.Status
OWED = (S.PENDING, S.PROCESSING, S.FAILED, S.EXPIRED)


def _own_payment(request, pk: int) -> Payment:
    """The payer's own payment (signed in), or one this browser opened by its pay link."""
    if paylinks.granted(request.session, pk):
        payment = Payment.objects.filter(pk=pk).select_related("section").first()
        if payment is not None:
            payment.via_link = not (request.user.is_authenticated and payment.payer_id == request.user.pk)
            return payment
    if not request.user.is_authenticated:
        raise LoginRequired()
    payment = Payment.objects.filter(pk=pk, payer=request.user).select_related("section").first()
    if payment is None:
        raise Http404
    return payment


def _return_url(payment: Payment) -> str:
    """Where the provider sends the payer back. One who came by the pay link comes back through
    it (the provider's page may open in another browser, without this session)."""
    if getattr(payment, "via_link", False):
        return paylinks.url(payment, to="result")
    return absolute_url("payments:result", payment.pk, municipality=payment.municipality)


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
    own = _own_payment(request, pk)
    payment = services.expire_if_due(own)
    payment.via_link = getattr(own, "via_link", False)
    providers = services.selectable_providers(payment.municipality)
    error = ""
    if request.method == "POST" and payment.status in (S.PENDING, S.PROCESSING, S.FAILED):
        choice = request.POST.get("provider", "")
        if choice not in {p.key for p in providers}:
            error = "お支払い方法を選んでください。"
        else:
            try:
                url = services.start_checkout(payment, choice, _return_url(payment), actor=request.user)
            except ValidationError as exc:
                error = " ".join(exc.messages)
                payment.refresh_from_db()
            else:
                return redirect(url)
    status = 400 if error else 200
    context = {"payment": payment, "providers": providers, "error": error, "via_link": getattr(payment, "via_link", False)}
    return render(request, "payments/pay.html", context, status=status)


def result(request, pk: int):
    """The page the provider sends the resident back to; polls while the payment is 処理中."""
    own = _own_payment(request, pk)
    payment = services.refresh_status(own)
    template = "payments/_status.html" if request.headers.get("HX-Request") else "payments/result.html"
    return render(request, template, {"payment": payment, "via_link": getattr(own, "via_link", False)})


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
    own = paylinks.granted(request.session, payment.pk) or (request.user.is_authenticated and payment.payer_id == request.user.pk)
    if not own:
        if not request.user.is_authenticated:
            raise LoginRequired()
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


@never_cache
def link(request, token: str):
    """The signed pay link (支払用リンク): this browser may pay the payment until the link
    expires; then to the pay page (or, coming back from a provider, its result page)."""
    opened = paylinks.open_token(token)
    payment = opened.payment
    if payment is None:
        return render(request, "payments/link_invalid.html", {}, status=404)
    if opened.expired:
        context = {"token": token, "days": conf.pay_link_days(), "masked_email": paylinks.masked_email(payment.payer_email)}
        return render(request, "payments/link_invalid.html", {"expired": True, **context}, status=410)
    paylinks.remember(request.session, payment, opened.expires_at)
    return redirect("payments:result" if request.GET.get("to") == "result" else "payments:pay", payment.pk)


@never_cache
@require_POST
def link_renew(request, token: str):
    """A fresh pay link by email to the address the payment has (the link's own signature proves
    it came from one of its emails; the answer is the same whether one was sent)."""
    opened = paylinks.open_token(token)
    if opened.payment is None or not opened.expired:
        return redirect("payments:link", token)
    per_mail, per_ip, window = ratelimit.mail_limits()
    keys = [("mail-ip", client_ip(request) or "", per_ip), ("mail-to", opened.payment.payer_email, per_mail)]
    for scope, ident, limit in keys:
        block = ratelimit.blocked(scope, ident, limit)
        if block:
            return ratelimit.too_many_requests(request, block, ratelimit.request_message(block, "メールの送信"))
    if paylinks.send(opened.payment):
        for scope, ident, _limit in keys:
            ratelimit.hit(scope, ident, window)
    context = {"sent": True, "masked_email": paylinks.masked_email(opened.payment.payer_email), "days": conf.pay_link_days()}
    return render(request, "payments/link_invalid.html", context)
