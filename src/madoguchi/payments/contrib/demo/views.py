"""The sandbox's own checkout page (デモ決済の画面), as a real provider's hosted page would be.
On a button it sends the platform its signed notification, then returns the resident."""

from __future__ import annotations

from types import SimpleNamespace

from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render

from madoguchi.core.links import same_site_url
from madoguchi.core.tenancy import current_id

from ... import notifications
from ...models import Payment
from . import provider as demo

ACTIONS = {"approve": Payment.Status.PAID, "decline": Payment.Status.FAILED, "later": Payment.Status.PENDING}


def _checkout(token: str):
    try:
        data = signing.loads(token, salt=demo.TOKEN_SALT, max_age=60 * 60 * 24)
    except signing.BadSignature:
        raise Http404 from None
    if data.get("m") != current_id():
        raise Http404
    payment = Payment.objects.filter(pk=data.get("p"), provider="demo").first()
    if payment is None:
        raise Http404
    return payment, data.get("r") or ""


def checkout(request, token: str):
    payment, return_url = _checkout(token)
    if request.method == "POST":
        status = ACTIONS.get(request.POST.get("action", ""))
        if status is None:
            return render(request, "payments/demo_checkout.html", {"payment": payment, "error": True}, status=400)
        if payment.status == Payment.Status.PROCESSING:
            deliver(payment, status)
        back = same_site_url(request, return_url)
        return redirect(back) if back else redirect("payments:result", payment.pk)
    return render(request, "payments/demo_checkout.html", {"payment": payment})


def deliver(payment, status: str, **kwargs):
    """Send the notification the way a provider's webhook arrives: a signed body through the
    same verification and rules as ``/payments/notify/demo/`` (in process, so the sandbox needs
    no outgoing HTTP and works under one worker)."""
    body = demo.notification_body(payment, status, **kwargs)
    request = SimpleNamespace(body=body, headers={demo.SIGNATURE_HEADER: demo.sign(body, payment.municipality)})
    return notifications.receive("demo", request, "127.0.0.1")
