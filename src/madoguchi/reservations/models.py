"""Reservations (予約): public facilities (公共施設予約, first-come and lottery), counter visits
(来庁予約), consultations (相談予約) and queue tickets (整理券).

Safety rules live in the database, not only in Python:
- a unit/frame can be held or booked once: a conditional UniqueConstraint on
  (unit, date, start) over the active statuses (expired holds are flipped to ``expired`` in the
  same transaction before inserting, so they never block);
- a counter slot's capacity is a CheckConstraint (booked <= capacity) and bookings raise the
  counter with a conditional UPDATE.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import models as core_models
from madoguchi.core.models import Municipality, Section, TenantManager, fill_municipality

from . import photos
from .photos import photo_path

WEEKDAYS = ["月", "火", "水", "木", "金", "土", "日"]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the counter


def new_code(length: int = 8) -> str:
    # 32 symbols divide 256, so byte % 32 is uniform (and ~10x faster than secrets.choice,
    # which counts when a draw creates thousands of bookings at once).
    return "".join(CODE_ALPHABET[b % 32] for b in secrets.token_bytes(length))


def new_token() -> str:
    return secrets.token_urlsafe(16)


class CityOwnedManager(TenantManager):
    """``TenantManager`` whose ``bulk_create`` fills each row's municipality as ``save()`` does
    (from ``tenant_parent``, or the active city), and refuses another city's rows likewise: a
    bulk insert never writes a row without its city. Callers that build many rows (the draw)
    still set ``municipality_id`` themselves, so no parent is ever fetched here."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            fill_municipality(obj)
        return super().bulk_create(objs, *args, **kwargs)


class CityOwned(core_models.CityOwned):
    """``core.models.CityOwned`` with ``CityOwnedManager``: every table of this app carries its
    municipality (共同運営, issue #10), copied from ``tenant_parent`` when a row is written."""

    objects = CityOwnedManager()

    class Meta:
        abstract = True


class UserCategory(models.TextChoices):
    """利用者区分 (fees differ by category)."""

    RESIDENT = "resident", _("市内個人")
    RESIDENT_GROUP = "resident_group", _("市内団体")
    NON_RESIDENT = "non_resident", _("市外")


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

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="units")
    name = models.CharField(_("名称"), max_length=100)
    capacity = models.PositiveIntegerField(_("定員（人）"), default=0)
    equipment = models.CharField(_("設備"), max_length=300, blank=True)
    frame_mode = models.CharField(_("時間枠"), max_length=10, choices=FrameMode.choices, default=FrameMode.FIXED)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("予約受付中"), default=True)

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
    name = models.CharField(_("団体名"), max_length=100)
    representative = models.CharField(_("代表者氏名"), max_length=100)
    member_count = models.PositiveIntegerField(_("会員数"))
    resident_share = models.PositiveIntegerField(_("市内在住・在勤の会員の割合（％）"))
    activity = models.CharField(_("活動内容"), max_length=200, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    staff_note = models.CharField(_("職員メモ・理由"), max_length=200, blank=True)
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
        return f"{self.facility} {self.month:%Y-%m}"

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

    code = models.CharField(_("予約番号"), max_length=12, default=new_code)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="bookings")
    date = models.DateField(_("利用日"))
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facility_bookings")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.HELD)
    source = models.CharField(_("受付方法"), max_length=12, choices=Source.choices, default=Source.FIRST_COME)
    hold_until = models.DateTimeField(_("仮押さえ期限"), null=True, blank=True)
    confirm_deadline = models.DateTimeField(_("本予約期限"), null=True, blank=True)
    # Only lottery wins with a fee carry one: first-come bookings pay on the day.
    pay_deadline = models.DateTimeField(_("支払期限"), null=True, blank=True)
    purpose = models.CharField(_("利用目的"), max_length=100, blank=True)
    attendees = models.PositiveIntegerField(_("利用人数"), null=True, blank=True)
    category = models.CharField(_("利用者区分"), max_length=20, choices=UserCategory.choices, default=UserCategory.RESIDENT)
    base_fee = models.PositiveIntegerField(_("使用料（減免前）"), default=0)
    fee = models.PositiveIntegerField(_("使用料"), default=0)
    exemption = models.CharField(_("減免"), max_length=10, choices=Exemption.choices, default=Exemption.NONE)
    exemption_rule = models.ForeignKey(ExemptionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("減免基準"))
    exemption_reason = models.CharField(_("減免の理由"), max_length=200, blank=True)
    exemption_percent = models.PositiveIntegerField(_("減免率（％）"), default=0)
    payment = models.CharField(_("支払い"), max_length=15, choices=Payment.choices, default=Payment.AT_COUNTER)
    cancellation_fee = models.PositiveIntegerField(_("取消料"), default=0)
    # 取消料の収納: recorded by staff at the counter, or at the cancellation itself when it is
    # withheld from a fee already paid.
    cancellation_fee_paid_at = models.DateTimeField(_("取消料の収納日時"), null=True, blank=True)
    # 返金額 = 支払い済みの使用料 − 取消料, set when a paid booking is cancelled.
    refund_amount = models.PositiveIntegerField(_("返金額"), default=0)
    refunded_at = models.DateTimeField(_("返金日時"), null=True, blank=True)
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
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.start))

    @property
    def ends_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.end))

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


class Counter(models.Model):
    """窓口 for counter visits (来庁予約) and consultations (相談予約)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("来庁予約")
        CONSULTATION = "consultation", _("相談予約")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="counters")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="counters", verbose_name=_("担当課"))
    kind = models.CharField(_("種別"), max_length=15, choices=Kind.choices, default=Kind.VISIT)
    slug = models.SlugField(_("識別名"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    procedures = models.TextField(_("扱う手続き"), blank=True)
    location = models.CharField(_("場所"), max_length=100, blank=True)
    opens = models.TimeField(_("受付開始"), default=dt.time(8, 30))
    closes = models.TimeField(_("受付終了"), default=dt.time(17, 0))
    slot_minutes = models.PositiveIntegerField(_("1枠の長さ（分）"), default=30)
    capacity = models.PositiveIntegerField(_("1枠の定員"), default=2)
    booking_window_days = models.PositiveIntegerField(_("予約受付（何日先まで）"), default=30)
    allows_online = models.BooleanField(_("オンライン相談可"), default=False)
    meeting_url = models.URLField(
        _("オンライン相談の会議URL（既定）"), blank=True, help_text=_("オンラインの予約に最初から付けるURL。予約ごとに日の一覧で変えられます。")
    )
    service_minutes = models.PositiveIntegerField(_("1人あたりの平均対応時間（分）"), default=10)
    is_public = models.BooleanField(_("公開"), default=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("窓口")
        verbose_name_plural = _("窓口")
        ordering = ["municipality", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="counter_unique_slug")]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_section(self):
        return self.section


class CounterHours(CityOwned):
    """受付時間 of a counter on one weekday. A counter with no rows takes bookings at
    ``Counter.opens``–``closes`` on every day the office is open; once rows exist, a weekday
    without a row takes none (受付なし)."""

    tenant_parent = "counter"

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="weekday_hours")
    weekday = models.PositiveSmallIntegerField(_("曜日"), choices=[(i, w) for i, w in enumerate(WEEKDAYS)])
    opens = models.TimeField(_("受付開始"))
    closes = models.TimeField(_("受付終了"))

    class Meta:
        verbose_name = _("窓口の受付時間")
        verbose_name_plural = _("窓口の受付時間")
        ordering = ["counter", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "counter", "weekday"], name="counterhours_unique"),
            models.CheckConstraint(condition=Q(opens__lt=models.F("closes")), name="counterhours_opens_before_closes"),
        ]


class CounterSlot(CityOwned):
    """予約枠 of a counter on one day. ``booked`` never exceeds ``capacity`` (check constraint +
    conditional UPDATE)."""

    tenant_parent = "counter"

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="slots")
    date = models.DateField(_("日付"))
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("終了"))
    capacity = models.PositiveIntegerField(_("定員"))
    booked = models.PositiveIntegerField(_("予約数"), default=0)

    class Meta:
        verbose_name = _("予約枠")
        verbose_name_plural = _("予約枠")
        ordering = ["date", "start"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "counter", "date", "start"], name="counterslot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="counterslot_capacity"),
        ]

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.booked)


class Visit(CityOwned):
    """来庁予約・相談予約 (a resident's booking of a counter slot)."""

    tenant_parent = "slot"

    class Status(models.TextChoices):
        BOOKED = "booked", _("予約済み")
        CHECKED_IN = "checked_in", _("受付済み")
        CANCELLED = "cancelled", _("取消済み")
        NO_SHOW = "no_show", _("来庁なし")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("来庁")
        ONLINE = "online", _("オンライン")

    code = models.CharField(_("予約番号"), max_length=12, default=new_code)
    slot = models.ForeignKey(CounterSlot, on_delete=models.PROTECT, related_name="visits")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counter_visits")
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    mode = models.CharField(_("相談方法"), max_length=10, choices=Mode.choices, default=Mode.IN_PERSON)
    procedure = models.CharField(_("手続き・相談内容"), max_length=200, blank=True)
    meeting_url = models.URLField(_("オンライン会議のURL"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("来庁・相談予約")
        verbose_name_plural = _("来庁・相談予約")
        ordering = ["slot__date", "slot__start", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="visit_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.slot.counter}"

    @property
    def starts_at(self):
        """When the visit's slot starts (aware, local time zone)."""
        return timezone.make_aware(dt.datetime.combine(self.slot.date, self.slot.start))

    @property
    def audit_section(self):
        return self.slot.counter.section

    @property
    def ticket(self) -> QueueTicket:
        """The visit's 整理券 (one at most); ``QueueTicket.DoesNotExist`` when none was issued."""
        return self.tickets.get()


class QueueDay(CityOwned):
    """整理券の発券状況 (per counter and day): the number counter and the number being served."""

    tenant_parent = "counter"

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="queue_days")
    date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "counter", "date"], name="queueday_unique")]


class QueueTicket(CityOwned):
    """整理券・番号札. Walk-ins line up by issue time; booked visitors join at their slot time."""

    tenant_parent = "counter"

    class Status(models.TextChoices):
        WAITING = "waiting", _("お待ちください")
        CALLED = "called", _("お呼び出し中")
        DONE = "done", _("対応済み")
        SKIPPED = "skipped", _("不在")

    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="tickets")
    date = models.DateField()
    number = models.PositiveIntegerField(_("番号"))
    token = models.CharField(max_length=32, default=new_token)
    # One ticket per visit (queueticket_one_per_visit; see Visit.ticket).
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.WAITING)
    due_at = models.DateTimeField(_("並び順の基準時刻"))
    issued_at = models.DateTimeField(auto_now_add=True)
    called_at = models.DateTimeField(null=True, blank=True)
    window = models.CharField(_("窓口番号"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("整理券")
        verbose_name_plural = _("整理券")
        ordering = ["due_at", "number"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "counter", "date", "number"], name="queueticket_unique_number"),
            models.UniqueConstraint(fields=["municipality", "token"], name="queueticket_unique_token"),
            models.UniqueConstraint(fields=["municipality", "visit"], name="queueticket_one_per_visit"),
        ]

    @property
    def audit_section(self):
        return self.counter.section
