"""Counters (窓口), hours, slots, visits (来庁予約) and queue tickets (整理券)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality, Section, TenantManager
from madoguchi.core.validation import ResidentCharField

from .base import WEEKDAYS, CityOwned, new_code, new_token, split_items


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

    @property
    def procedure_items(self) -> list[str]:
        """扱う手続き as a list (staff type them separated by 「;」「、」 or one per line)."""
        return split_items(self.procedures)


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
    procedure = ResidentCharField(_("手続き・相談内容"), max_length=200, blank=True)
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
