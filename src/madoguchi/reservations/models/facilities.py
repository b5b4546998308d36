"""Facilities (施設), units, opening hours, closed periods, frames and fees."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality, Section, TenantManager

from .. import photos
from ..photos import photo_path
from .base import WEEKDAYS, CityOwned, UserCategory, split_items


class Facility(models.Model):
    """施設. Keeps the columns of the 公共施設一覧 open-data sheet (kana name, address, lat/lon,
    phone, hours)."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("公民館・コミュニティセンター")
        GYM = "gym", _("体育館")
        TENNIS = "tennis", _("テニスコート")
        MEETING = "meeting", _("会議室")
        COOKING = "cooking", _("調理室")
        OTHER = "other", _("その他")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="facilities")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("所管課"))
    code = models.CharField(_("施設ID"), max_length=20, help_text=_("オープンデータの ID（自治体内で一意）"))
    name = models.CharField(_("名称"), max_length=100)
    name_kana = models.CharField(_("名称（カナ）"), max_length=100, blank=True)
    name_en = models.CharField(_("名称（英語）"), max_length=100, blank=True)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    purposes = models.CharField(_("利用目的"), max_length=300, blank=True, help_text=_("「;」区切り（例: 会議;講演会;ダンス）"))
    area = models.CharField(_("地区"), max_length=50, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    url = models.URLField(_("URL"), blank=True)
    description = models.TextField(_("説明"), blank=True)
    accessibility = models.TextField(_("バリアフリー情報"), blank=True)
    hours_note = models.CharField(_("利用可能日時特記事項"), max_length=200, blank=True)
    photo = models.FileField(_("写真"), upload_to=photo_path, blank=True, max_length=200)
    photo_url = models.URLField(_("写真のURL"), blank=True)
    photo_alt = models.CharField(_("写真の説明（代替テキスト）"), max_length=200, blank=True)
    closes_on_holidays = models.BooleanField(_("祝日は休館"), default=False)
    closes_year_end = models.BooleanField(_("年末年始（12/29〜1/3）は休館"), default=True)
    booking_window_days = models.PositiveIntegerField(_("予約受付（何日先まで）"), default=31)
    booking_min_days = models.PositiveIntegerField(_("予約受付（何日前まで）"), default=0, help_text=_("0 は当日まで"))
    max_bookings_per_month = models.PositiveIntegerField(_("1か月の予約上限（件）"), default=8)
    max_frames_per_day = models.PositiveIntegerField(_("1日の予約上限（枠）"), default=2)
    cancel_deadline_days = models.PositiveIntegerField(_("無料で取消できる期限（利用日の何日前まで）"), default=3)
    cancel_fee_percent = models.PositiveIntegerField(_("期限後の取消料（使用料の％）"), default=50)
    pay_deadline_days = models.PositiveIntegerField(_("抽選当選後の本予約期限（日）"), default=7)
    lottery_pay_days = models.PositiveIntegerField(
        _("抽選当選後の支払期限（日）"),
        default=14,
        help_text=_(
            "抽選日から数えます。過ぎても使用料が支払われていない当選枠は取り消され、先着順の空き予約になります。利用日のほうが早いときは利用日の前日までです。"
        ),
    )
    is_public = models.BooleanField(_("公開"), default=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("施設")
        verbose_name_plural = _("施設")
        ordering = ["municipality", "code"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="facility_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def photo_version(self) -> str:
        return photos.version(self.photo.name) if self.photo else ""

    @property
    def audit_section(self):
        return self.section

    @property
    def purpose_list(self) -> list[str]:
        return [p.strip() for p in self.purposes.split(";") if p.strip()]

    @property
    def accessibility_list(self) -> list[str]:
        return split_items(self.accessibility)


class OpeningHours(CityOwned):
    """開館時間 (per weekday; a weekday without a row is a regular closed day 定休日)."""

    tenant_parent = "facility"

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("曜日"), choices=[(i, f"{w}曜日") for i, w in enumerate(WEEKDAYS)])
    opens = models.TimeField(_("開館"))
    closes = models.TimeField(_("閉館"))

    class Meta:
        verbose_name = _("開館時間")
        verbose_name_plural = _("開館時間")
        ordering = ["facility", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "facility", "weekday"], name="openinghours_one_per_weekday"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="openinghours_opens_before_closes"),
        ]


class ClosedPeriod(CityOwned):
    """休館期間 (maintenance etc., entered by staff)."""

    tenant_parent = "facility"

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="closed_periods")
    unit = models.ForeignKey("Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="closed_periods", help_text=_("空欄は施設全体"))
    start = models.DateField(_("開始日"))
    end = models.DateField(_("終了日"))
    reason = models.CharField(_("理由"), max_length=100)

    class Meta:
        verbose_name = _("休館期間")
        verbose_name_plural = _("休館期間")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="closedperiod_start_before_end")]


class Unit(CityOwned):
    """施設の部屋・コート (the bookable unit)."""

    tenant_parent = "facility"

    class FrameMode(models.TextChoices):
        FIXED = "fixed", _("区分（午前・午後・夜間）")
        HOURLY = "hourly", _("1時間単位")

    class PaymentTiming(models.TextChoices):
        """使用料の支払い方 (the payments app takes the money; this says when)."""

        COUNTER = "counter", _("窓口払い（利用日までに施設の窓口で）")
        BEFORE = "before", _("事前決済（予約のあと期限までにオンラインで。過ぎると取消）")
        AFTER = "after", _("事後決済（予約のあとメールのリンクからオンラインで。利用日までに）")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("名称"), max_length=100)
    capacity = models.PositiveIntegerField(_("定員（人）"), default=0)
    equipment = models.CharField(_("設備"), max_length=300, blank=True)
    frame_mode = models.CharField(_("時間枠"), max_length=10, choices=FrameMode.choices, default=FrameMode.FIXED)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("予約受付中"), default=True)
    payment_timing = models.CharField(_("使用料の支払い方"), max_length=10, choices=PaymentTiming.choices, default=PaymentTiming.COUNTER)
    prepay_hours = models.PositiveIntegerField(
        _("事前決済の支払期限（予約から何時間）"),
        default=24,
        help_text=_("事前決済の予約は、この時間内（利用開始のほうが早いときはそれまで）に支払われないと取り消され、空き枠に戻ります。"),
    )

    class Meta:
        verbose_name = _("部屋・コート")
        verbose_name_plural = _("部屋・コート")
        ordering = ["facility", "order", "id"]

    def __str__(self) -> str:
        return f"{self.facility.name} {self.name}"

    @property
    def audit_section(self):
        return self.facility.section


class FrameDefinition(CityOwned):
    """区分 (fixed frame such as 午前 9–12)."""

    tenant_parent = "facility"

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="frames")
    label = models.CharField(_("区分名"), max_length=20)
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))

    class Meta:
        verbose_name = _("時間区分")
        verbose_name_plural = _("時間区分")
        ordering = ["facility", "start"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "facility", "start"], name="framedef_unique_start"),
            models.CheckConstraint(condition=Q(start__lt=models.F("end")), name="framedef_start_before_end"),
        ]


class Fee(CityOwned):
    """使用料 (per frame, or per hour for hourly units) by user category."""

    tenant_parent = "unit"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="fees")
    category = models.CharField(_("利用者区分"), max_length=20, choices=UserCategory.choices)
    amount = models.PositiveIntegerField(_("金額（円）"))

    class Meta:
        verbose_name = _("使用料")
        verbose_name_plural = _("使用料")
        constraints = [models.UniqueConstraint(fields=["municipality", "unit", "category"], name="fee_unique_category")]
