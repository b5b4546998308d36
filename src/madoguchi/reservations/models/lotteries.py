"""Lotteries (抽選), applications and wishes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import CityOwned, UserCategory
from .bookings import frame_key
from .facilities import Facility, Unit
from .registrations import Group


def month_label(month) -> str:
    """A month as residents read it: 「令和9年（2027年）2月」."""
    from madoguchi.core.wareki import format_wareki_month

    return format_wareki_month(month)


class Lottery(CityOwned):
    """抽選 for one facility and one month. The draw seed is committed (sha256 published) when
    the lottery is created and revealed at the draw; the seed actually used mixes it with a
    digest of all applications, so neither staff nor applicants control the outcome alone."""

    tenant_parent = "facility"

    class Status(models.TextChoices):
        OPEN = "open", _("受付")
        DRAWN = "drawn", _("抽選済み")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="lotteries")
    month = models.DateField(_("対象月（1日）"))
    opens_at = models.DateTimeField(_("申込開始"))
    closes_at = models.DateTimeField(_("申込締切"))
    draw_at = models.DateTimeField(_("抽選日時"))
    max_wishes = models.PositiveSmallIntegerField(_("希望の数（最大）"), default=3)
    max_wins = models.PositiveSmallIntegerField(_("1人あたりの当選数（最大）"), default=1)
    secret_seed = models.CharField(max_length=64, editable=False)
    seed_commitment = models.CharField(_("シードのハッシュ（事前公開）"), max_length=64, editable=False)
    inputs_digest = models.CharField(_("申込データのハッシュ"), max_length=64, blank=True)
    draw_seed = models.CharField(_("抽選シード"), max_length=64, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    drawn_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(_("抽選結果"), default=dict, blank=True)
    confirm_deadline = models.DateTimeField(_("本予約期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("抽選")
        verbose_name_plural = _("抽選")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "facility", "month"], name="lottery_one_per_month"),
            models.CheckConstraint(condition=Q(opens_at__lt=models.F("closes_at")) & Q(closes_at__lte=models.F("draw_at")), name="lottery_times_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.month_label}"

    @property
    def month_label(self) -> str:
        """「令和9年（2027年）2月」: 和暦 with the 西暦 in brackets, as every date residents see."""
        return month_label(self.month)

    def save(self, *args, **kwargs):
        if not self.secret_seed:
            from madoguchi.core import draw

            self.secret_seed = draw.new_secret()
            self.seed_commitment = draw.commitment(self.secret_seed)
        super().save(*args, **kwargs)

    @property
    def audit_section(self):
        return self.facility.section

    def is_accepting(self, now=None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.opens_at <= now < self.closes_at


class LotteryApplication(CityOwned):
    """抽選申込 (one per user and lottery, with ranked wishes)."""

    tenant_parent = "lottery"

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lottery_applications")
    category = models.CharField(_("利用者区分"), max_length=20, choices=UserCategory.choices, default=UserCategory.RESIDENT)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽選申込")
        verbose_name_plural = _("抽選申込")
        constraints = [models.UniqueConstraint(fields=["municipality", "lottery", "user"], name="lotteryapp_one_per_user")]


class LotteryWish(CityOwned):
    """希望 (rank 1 = first choice)."""

    tenant_parent = "application"

    application = models.ForeignKey(LotteryApplication, on_delete=models.CASCADE, related_name="wishes")
    rank = models.PositiveSmallIntegerField(_("希望順位"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("利用日"))
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))

    class Meta:
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "application", "rank"], name="lotterywish_unique_rank"),
            models.UniqueConstraint(fields=["municipality", "application", "unit", "date", "start"], name="lotterywish_unique_frame"),
        ]

    @property
    def frame_key(self) -> str:
        return frame_key(self.unit_id, self.date, self.start)
