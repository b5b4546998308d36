"""減免基準, groups (団体登録) and 利用者登録."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality, TenantManager
from madoguchi.core.validation import ResidentCharField

from .base import CityOwned, UserCategory


class ExemptionRule(models.Model):
    """減免基準 (a reason for a reduced or waived fee, from the city's 条例; staff approve each
    request against it)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="exemption_rules")
    name = models.CharField(_("減免の理由"), max_length=100)
    percent = models.PositiveIntegerField(_("減免率（％）"), help_text=_("100 は全額免除"))
    documents = models.CharField(_("確認する書類"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("有効"), default=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("減免基準")
        verbose_name_plural = _("減免基準")
        ordering = ["municipality", "order", "id"]
        constraints = [models.CheckConstraint(condition=Q(percent__gte=1) & Q(percent__lte=100), name="exemptionrule_percent")]

    def __str__(self) -> str:
        return f"{self.name}（{self.percent}％減免）"


class Group(models.Model):
    """団体登録 (verified by staff before group bookings)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        VERIFIED = "verified", _("登録済み")
        REJECTED = "rejected", _("登録できません")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="reservation_groups")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reservation_groups")
    name = ResidentCharField(_("団体名"), max_length=100)
    representative = ResidentCharField(_("代表者氏名"), max_length=100)
    member_count = models.PositiveIntegerField(_("会員数"))
    resident_share = models.PositiveIntegerField(_("市内在住・在勤の会員の割合（％）"))
    activity = ResidentCharField(_("活動内容"), max_length=200, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    staff_note = ResidentCharField(_("職員メモ・理由"), max_length=200, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("登録団体")
        verbose_name_plural = _("登録団体")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(resident_share__lte=100), name="group_share_percent")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_section(self):
        return None


class Registration(models.Model):
    """利用者登録 (one per user and city; staff may verify residence)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facility_registrations")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    is_resident = models.BooleanField(_("市内在住・在勤"), default=True)
    phone = models.CharField(_("連絡先電話番号"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("利用者登録")
        verbose_name_plural = _("利用者登録")
        # One registration per user in each city (a resident may use several cities' facilities).
        constraints = [models.UniqueConstraint(fields=["municipality", "user"], name="registration_one_per_user")]


class UseAgreement(CityOwned):
    """相互利用協定 (共同運営, issue #10): the facility's city (``municipality``) lets the
    registered residents (利用者登録, 市内在住・在勤) of ``partner`` book its facilities at
    ``partner_residents_category`` — 市内料金 or 市外料金 — without registering here."""

    class Category(models.TextChoices):
        RESIDENT = UserCategory.RESIDENT.value, _("市内料金")
        NON_RESIDENT = UserCategory.NON_RESIDENT.value, _("市外料金")

    partner = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("協定先の自治体"))
    partner_residents_category = models.CharField(_("協定先の住民の料金区分"), max_length=20, choices=Category.choices, default=Category.NON_RESIDENT)
    active = models.BooleanField(_("有効"), default=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("相互利用協定")
        verbose_name_plural = _("相互利用協定")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "partner"], name="use_agreement_one_per_partner"),
            models.CheckConstraint(condition=~Q(partner=models.F("municipality")), name="use_agreement_partner_is_another_city"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.get_partner_residents_category_display()})"
