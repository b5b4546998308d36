"""Payments (キャッシュレス決済): what a resident pays, its events, refunds and refused notifications.

A ``Payment`` points at what it pays for through a generic link (a booking, a submission …), so
the app that owns the fee never shares its models with this one; the owning app calls
``payments.services`` and listens to ``payment_settled``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import AppendOnlyError, CityOwned, Section
from madoguchi.core.validation import ResidentCharField, ResidentTextField


class Payment(CityOwned):
    """支払 (one fee a resident owes or paid)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未払")
        PROCESSING = "processing", _("処理中")
        PAID = "paid", _("支払済")
        FAILED = "failed", _("失敗")
        EXPIRED = "expired", _("期限切れ")
        CANCELLED = "cancelled", _("取消")
        PARTIALLY_REFUNDED = "partially_refunded", _("一部返金済")
        REFUNDED = "refunded", _("返金済")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("支払の対象の種類"))
    object_id = models.CharField(_("支払の対象のID"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    purpose = ResidentCharField(_("支払の内容"), max_length=100)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="payments", verbose_name=_("担当課"))
    amount = models.PositiveIntegerField(_("金額（円）"))
    refunded_amount = models.PositiveIntegerField(_("返金額（円）"), default=0)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments", verbose_name=_("支払者"))
    payer_name = ResidentCharField(_("支払者の氏名"), max_length=100, blank=True)
    payer_email = models.EmailField(_("支払者のメールアドレス"), blank=True)
    provider = models.CharField(_("決済手段"), max_length=30)
    provider_reference = models.CharField(_("決済事業者の取引番号"), max_length=200, blank=True)
    merchant_reference = models.CharField(_("支払番号"), max_length=40)
    pay_by = models.DateTimeField(_("支払期限"))
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.PENDING)
    paid_at = models.DateTimeField(_("支払日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("支払")
        verbose_name_plural = _("支払")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "merchant_reference"], name="payment_merchant_reference_unique"),
            models.UniqueConstraint(
                fields=["municipality", "provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_provider_reference_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "content_type", "object_id"], name="payment_target_idx"),
            models.Index(fields=["municipality", "section", "paid_at"], name="payment_section_paid_idx"),
        ]

    def __str__(self):
        return f"{self.merchant_reference} {self.purpose} {self.amount}円"

    @property
    def audit_section(self):
        return self.section

    @property
    def receipt_number(self) -> str:
        """領収書番号: the merchant reference, which the resident already has on the pay page."""
        return self.merchant_reference

    @property
    def is_settled(self) -> bool:
        return self.status in SETTLED

    @property
    def refundable_amount(self) -> int:
        return self.amount - self.refunded_amount if self.is_settled else 0


SETTLED = frozenset({Payment.Status.PAID, Payment.Status.PARTIALLY_REFUNDED, Payment.Status.REFUNDED})


class MerchantSequence(CityOwned):
    """支払番号の連番: one counter per city and day (the row is locked while a number is taken)."""

    day = models.DateField(_("日付"))
    value = models.PositiveIntegerField(_("最後の番号"), default=0)

    class Meta:
        verbose_name = _("支払番号の連番")
        constraints = [models.UniqueConstraint(fields=["municipality", "day"], name="payment_sequence_day_unique")]


class PaymentEvent(CityOwned):
    """支払の履歴: one transition (or an acknowledged stale/duplicate notification). Append-only."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events", verbose_name=_("支払"))
    from_status = models.CharField(_("変更前"), max_length=20, choices=Payment.Status.choices)
    to_status = models.CharField(_("変更後"), max_length=20, choices=Payment.Status.choices)
    provider = models.CharField(_("決済手段"), max_length=30)
    provider_event_id = models.CharField(_("決済事業者の通知ID"), max_length=200, blank=True)
    payload = models.JSONField(_("通知の内容"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("操作者"))
    note = ResidentCharField(_("備考"), max_length=200, blank=True)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    tenant_parent = "payment"

    class Meta:
        verbose_name = _("支払の履歴")
        verbose_name_plural = _("支払の履歴")
        ordering = ["at", "id"]
        constraints = [
            # Idempotency backstop: a provider's event is recorded once (the lock on the payment
            # row is what makes the check before the insert safe).
            models.UniqueConstraint(
                fields=["municipality", "provider", "provider_event_id"],
                condition=~Q(provider_event_id=""),
                name="payment_event_provider_event_unique",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("支払の履歴は追記のみで、変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("支払の履歴は削除できません。")


class Refund(CityOwned):
    """返金: requested by one staff member, approved by another (承認者 ≠ 申請者)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("承認待ち")
        COMPLETED = "completed", _("返金済")
        REJECTED = "rejected", _("却下")

    class Kind(models.TextChoices):
        # 返金: a staff member asks, another approves (承認者 ≠ 申請者).
        REFUND = "refund", _("返金")
        # 規則による返金: the amount follows the owning app's rule (a paid booking cancelled:
        # 使用料 − 取消料); staff record when it is handed back.
        RULE = "rule", _("規則による返金")
        # 振替: part of the fee kept as another fee (取消料 withheld from a paid 使用料); no money
        # moves, but the accounting sees the 戻出 and the other fee's 収入.
        TRANSFER = "transfer", _("振替")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("支払"))
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices, default=Kind.REFUND)
    amount = models.PositiveIntegerField(_("返金額（円）"))
    reason = ResidentTextField(_("返金の理由"))
    # None: made by the platform's rule for a payer without an account (a late success refunded)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("申請者"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("承認者"))
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    provider_reference = models.CharField(_("決済事業者の返金番号"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("申請日時"), auto_now_add=True)
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)

    tenant_parent = "payment"

    class Meta:
        verbose_name = _("返金")
        verbose_name_plural = _("返金")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(approved_by=F("requested_by")), name="refund_approver_not_requester"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    @property
    def audit_section(self):
        return self.payment.section


class NotificationAnomaly(CityOwned):
    """拒否した決済通知: a notification refused (bad signature, unknown reference, amount
    mismatch, impossible transition), for staff to look into. Holds no secrets."""

    class Kind(models.TextChoices):
        BAD_SIGNATURE = "bad_signature", _("署名が不正")
        BAD_BODY = "bad_body", _("内容が読めない")
        UNKNOWN_REFERENCE = "unknown_reference", _("該当する支払がない")
        AMOUNT_MISMATCH = "amount_mismatch", _("金額が一致しない")
        ILLEGAL_TRANSITION = "illegal_transition", _("ありえない状態の変更")
        UNSUPPORTED = "unsupported", _("通知に対応しない決済手段")

    provider = models.CharField(_("決済手段"), max_length=30)
    kind = models.CharField(_("種類"), max_length=30, choices=Kind.choices)
    reference = models.CharField(_("通知の支払番号"), max_length=200, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="anomalies", verbose_name=_("支払"))
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(_("送信元"), null=True, blank=True)
    at = models.DateTimeField(_("日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("拒否した決済通知")
        verbose_name_plural = _("拒否した決済通知")
        ordering = ["-at", "-id"]


class RevenueAccount(CityOwned):
    """歳入科目 of a fee (款・項・目・節), configured by staff per purpose, for the 財務会計 export."""

    purpose = ResidentCharField(_("支払の内容"), max_length=100)
    code = ResidentCharField(_("歳入科目コード"), max_length=40)
    name = ResidentCharField(_("歳入科目名"), max_length=100)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("歳入科目")
        verbose_name_plural = _("歳入科目")
        ordering = ["purpose"]
        constraints = [models.UniqueConstraint(fields=["municipality", "purpose"], name="revenue_account_purpose_unique")]

    def __str__(self):
        return f"{self.purpose}: {self.code} {self.name}"
