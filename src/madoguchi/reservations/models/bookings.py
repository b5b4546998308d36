"""Bookings (予約) of facility units."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import city_key
from madoguchi.core.validation import ResidentCharField

from .base import CityOwned, UserCategory, new_code
from .facilities import Unit
from .registrations import ExemptionRule, Group


def frame_key(unit_id: int, date: dt.date, start: dt.time) -> str:
    return f"{unit_id}/{date.isoformat()}/{start.strftime('%H:%M')}"


ACTIVE_BOOKING_STATUSES = ["held", "confirmed", "won"]


class Booking(CityOwned):
    """施設予約 (one unit, one frame)."""

    tenant_parent = "unit"

    class Status(models.TextChoices):
        HELD = "held", _("仮押さえ")
        WON = "won", _("当選（本予約待ち）")
        CONFIRMED = "confirmed", _("予約済み")
        CANCELLED = "cancelled", _("取消済み")
        EXPIRED = "expired", _("期限切れ")
        RELEASED = "released", _("本予約期限切れ")

    class Source(models.TextChoices):
        FIRST_COME = "first_come", _("先着順")
        LOTTERY = "lottery", _("抽選")
        STAFF = "staff", _("窓口")

    class Payment(models.TextChoices):
        AT_COUNTER = "at_counter", _("窓口で支払い")
        PAID = "paid", _("支払い済み")
        NOT_REQUIRED = "not_required", _("支払い不要")

    class Exemption(models.TextChoices):
        NONE = "none", _("申請なし")
        REQUESTED = "requested", _("減免申請中")
        APPROVED = "approved", _("減免承認")
        REJECTED = "rejected", _("減免不承認")

    # Without Django's single-column indexes on the city, the unit and the user: the unique
    # constraints lead with the city, ``booking_unit_date`` with the unit and ``booking_user_date``
    # with the user; every booking of the rush wrote three entries for nothing (test_indexes.py).
    municipality = city_key(db_index=False)
    code = models.CharField(_("予約番号"), max_length=12, default=new_code)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bookings", db_index=False)
    date = models.DateField(_("利用日"))
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facility_bookings", db_index=False)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.HELD)
    source = models.CharField(_("受付方法"), max_length=12, choices=Source.choices, default=Source.FIRST_COME)
    hold_until = models.DateTimeField(_("仮押さえ期限"), null=True, blank=True)
    confirm_deadline = models.DateTimeField(_("本予約期限"), null=True, blank=True)
    # Only lottery wins with a fee carry one: first-come bookings pay on the day.
    pay_deadline = models.DateTimeField(_("支払期限"), null=True, blank=True)
    purpose = ResidentCharField(_("利用目的"), max_length=100, blank=True)
    attendees = models.PositiveIntegerField(_("利用人数"), null=True, blank=True)
    category = models.CharField(_("利用者区分"), max_length=20, choices=UserCategory.choices, default=UserCategory.RESIDENT)
    base_fee = models.PositiveIntegerField(_("使用料（減免前）"), default=0)
    fee = models.PositiveIntegerField(_("使用料"), default=0)
    exemption = models.CharField(_("減免"), max_length=10, choices=Exemption.choices, default=Exemption.NONE)
    exemption_rule = models.ForeignKey(ExemptionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("減免基準"))
    exemption_reason = ResidentCharField(_("減免の理由"), max_length=200, blank=True)
    exemption_percent = models.PositiveIntegerField(_("減免率（％）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("施設予約")
        verbose_name_plural = _("施設予約")
        ordering = ["date", "start"]
        constraints = [
            # The rule that a frame is never booked twice, enforced by the database.
            models.UniqueConstraint(
                fields=["municipality", "unit", "date", "start"], condition=Q(status__in=ACTIVE_BOOKING_STATUSES), name="booking_one_active_per_frame"
            ),
            # 予約番号 are unique within a city (the same code may exist in another).
            models.UniqueConstraint(fields=["municipality", "code"], name="booking_unique_code"),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="booking_start_before_end"),
            models.CheckConstraint(condition=Q(exemption_percent__lte=100), name="booking_exemption_percent"),
        ]
        indexes = [models.Index(fields=["user", "date"], name="booking_user_date"), models.Index(fields=["unit", "date"], name="booking_unit_date")]

    def __str__(self) -> str:
        return f"{self.code} {self.unit} {self.date} {self.start:%H:%M}"

    @property
    def audit_section(self):
        return self.unit.facility.section

    @property
    def staff_url(self) -> str:
        """Where staff see this booking (the facility's day page, at its row): the payments
        app's staff page links back here."""
        from django.urls import reverse

        return reverse("reservations:staff_facility", args=[self.unit.facility_id]) + f"?date={self.date.isoformat()}#booking-{self.code}"

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.start))

    @property
    def ends_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.end))

    # --- payments: read from the payments app (services/payments.py), never kept here -------
    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("_payments", None)
        super().refresh_from_db(*args, **kwargs)

    def _pay(self):
        from ..services.payments import state

        return state(self)

    @property
    def payment(self) -> str:
        """支払い (Booking.Payment): paid once the 施設使用料 payment settled; otherwise owed at
        the counter (or online), or nothing to pay."""
        if self._pay().usage_settled:
            return self.Payment.PAID
        return self.Payment.AT_COUNTER if self.fee else self.Payment.NOT_REQUIRED

    def get_payment_display(self) -> str:
        return str(self.Payment(self.payment).label)

    @property
    def pays_online(self) -> bool:
        """事前 / 事後決済: the resident is asked to pay online (also possible at the counter)."""
        from ..services.payments import pays_online

        return pays_online(self)

    @property
    def usage_payment(self):
        """The live 施設使用料 payment (None until one is asked for)."""
        return self._pay().usage

    @property
    def cancellation_fee(self) -> int:
        """取消料 (a payment of its own once the booking was cancelled late)."""
        cf = self._pay().cancellation
        return cf.amount if cf is not None else 0

    @property
    def cancellation_fee_paid_at(self):
        """取消料の収納日時: paid at the counter, or withheld from the 使用料 already paid."""
        cf = self._pay().cancellation
        return cf.paid_at if cf is not None and cf.is_settled else None

    @property
    def refund_amount(self) -> int:
        """返金額 = 支払い済みの使用料 − 取消料 (a refund of the usage payment)."""
        return sum(r.amount for r in self._pay().refunds)

    @property
    def refunded_at(self):
        """返金日時: when the last part of the 返金額 was handed back (None while any is owed)."""
        refunds = self._pay().refunds
        if not refunds or any(r.status != r.Status.COMPLETED for r in refunds):
            return None
        return max(r.decided_at for r in refunds)

    @property
    def cancellation_fee_due(self) -> bool:
        """取消料 not yet received (未収)."""
        return self.status == self.Status.CANCELLED and self.cancellation_fee > 0 and self.cancellation_fee_paid_at is None

    @property
    def refund_due(self) -> bool:
        """返金 not yet done."""
        return self.status == self.Status.CANCELLED and self.refund_amount > 0 and self.refunded_at is None

    @property
    def is_active(self) -> bool:
        if self.status == self.Status.HELD:
            return bool(self.hold_until and self.hold_until > timezone.now())
        return self.status in (self.Status.CONFIRMED, self.Status.WON)
