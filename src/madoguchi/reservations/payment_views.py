"""The pay link of a booking (使用料のお支払い): the page the confirmation email and わたしの予約
link to. Opening it changes nothing; its button asks the payments app for the booking's
payment (made then, once: double clicks and two tabs reach the same one) and sends the resident
to the payments app's pay page, where the amount is the server's and the provider is chosen."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from .models import Booking
from .services import payments as booking_payments


@login_required
def pay(request, code: str):
    booking = get_object_or_404(Booking.objects.select_related("unit__facility__section", "user"), code=code, user=request.user)
    payable = booking.status in (Booking.Status.CONFIRMED, Booking.Status.WON) and booking.payment == Booking.Payment.AT_COUNTER
    if request.method == "POST" and payable:
        return redirect("payments:pay", booking_payments.usage_payment(booking).pk)
    return render(request, "reservations/pay.html", {"booking": booking, "payable": payable}, status=200 if payable or request.method == "GET" else 409)
