"""Alerts and notices (お知らせ・緊急情報): topics, areas, subscriptions per channel, notices and
one delivery row per (notice, subscription, channel)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, Municipality, Section, TenantManager, city_key
from madoguchi.core.validation import ResidentCharField, ResidentTextField


class Language(models.TextChoices):
    JA = "ja", _("日本語")
    EASY = "ja-easy", _("やさしい日本語")
    # Each language by its own name, untranslated: through gettext Django's Japanese catalog
    # turned "English" into 「英語(米国)」.
    EN = "en", "English"


class Topic(models.Model):
    """分野: what a notice is about (防災, 防犯, 子育て …). Editable by staff."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="alert_topics")
    slug = models.SlugField(_("識別子"), max_length=40)
    name = ResidentCharField(_("名称"), max_length=50)
    name_easy = ResidentCharField(_("名称（やさしい日本語）"), max_length=50, blank=True)
    name_en = ResidentCharField(_("名称（英語）"), max_length=50, blank=True)
    description = ResidentCharField(_("説明"), max_length=200, blank=True)
    cap_category = models.CharField(_("CAPの分類"), max_length=20, default="Other", help_text=_("CAP 1.2 の category（Safety, Security, Health など）"))
    order = models.PositiveIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(_("使用中"), default=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("分野")
        verbose_name_plural = _("分野")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="alerts_topic_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str = "ja") -> str:
        if language == Language.EN and self.name_en:
            return self.name_en
        if language == Language.EASY and self.name_easy:
            return self.name_easy
        return self.name


class Area(models.Model):
    """地域: a 町丁目 or a district (地区) that notices and subscriptions point at."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("地区")
        CHOME = "chome", _("町丁目")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="alert_areas")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices, default=Kind.CHOME)
    code = models.CharField(_("地域コード"), max_length=20, blank=True)
    name = ResidentCharField(_("名称"), max_length=60)
    name_kana = ResidentCharField(_("名称（かな）"), max_length=60, blank=True)
    name_en = ResidentCharField(_("名称（英語）"), max_length=60, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    objects = TenantManager()

    class Meta:
        verbose_name = _("地域")
        verbose_name_plural = _("地域")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="alerts_area_unique_name")]

    def __str__(self) -> str:
        return self.name


class Shelter(models.Model):
    """避難所: evacuation shelters a notice may list (the city's facility list)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="alert_shelters")
    name = ResidentCharField(_("名称"), max_length=100)
    address = ResidentCharField(_("所在地"), max_length=200, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="shelters")
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    # What 自治体標準オープンデータセット 03 (指定緊急避難場所一覧) and 指定避難所一覧 publish.
    is_evacuation_site = models.BooleanField(_("指定緊急避難場所"), default=True)
    is_designated_shelter = models.BooleanField(_("指定避難所"), default=False, help_text=_("指定避難所との重複"))
    capacity = models.PositiveIntegerField(_("想定収容人数"), null=True, blank=True)
    # 災害種別: the hazards the site is designated for (the standard's 8, in its order).
    hazard_flood = models.BooleanField(_("洪水"), default=False)
    hazard_landslide = models.BooleanField(_("崖崩れ、土石流及び地滑り"), default=False)
    hazard_storm_surge = models.BooleanField(_("高潮"), default=False)
    hazard_earthquake = models.BooleanField(_("地震"), default=False)
    hazard_tsunami = models.BooleanField(_("津波"), default=False)
    hazard_large_fire = models.BooleanField(_("大規模な火事"), default=False)
    hazard_inland_flood = models.BooleanField(_("内水氾濫"), default=False)
    hazard_volcano = models.BooleanField(_("火山現象"), default=False)

    HAZARDS = (
        ("hazard_flood", "洪水"), ("hazard_landslide", "崖崩れ、土石流及び地滑り"), ("hazard_storm_surge", "高潮"), ("hazard_earthquake", "地震"),
        ("hazard_tsunami", "津波"), ("hazard_large_fire", "大規模な火事"), ("hazard_inland_flood", "内水氾濫"), ("hazard_volcano", "火山現象"),
    )  # fmt: skip

    objects = TenantManager()

    class Meta:
        verbose_name = _("避難所")
        verbose_name_plural = _("避難所")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    EMAIL = "email", _("メール")
    WEBPUSH = "webpush", _("Webプッシュ通知")
    LINE = "line", _("LINE")


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """配信登録: one address on one channel, with the topics/areas/language it wants.
    Works with or without an account; the ``token`` signs its unsubscribe/manage links."""

    class Status(models.TextChoices):
        PENDING = "pending", _("確認待ち")
        ACTIVE = "active", _("配信中")
        UNSUBSCRIBED = "unsubscribed", _("配信停止")
        FAILED = "failed", _("配信不能")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="alert_subscriptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="alert_subscriptions")
    channel = models.CharField(_("配信方法"), max_length=10, choices=Channel.choices)
    # email address / push endpoint URL / LINE user id (empty while a LINE link code is pending)
    address = models.CharField(_("宛先"), max_length=1000, blank=True)
    push_p256dh = models.CharField(max_length=200, blank=True)
    push_auth = models.CharField(max_length=100, blank=True)
    language = models.CharField(_("言語"), max_length=10, choices=Language.choices, default=Language.JA)
    topics = models.ManyToManyField(Topic, through="SubscriptionTopic", related_name="subscriptions", verbose_name=_("分野"))
    areas = models.ManyToManyField(
        Area, through="SubscriptionArea", blank=True, related_name="subscriptions", verbose_name=_("地域"), help_text=_("選ばなければ市内全域")
    )
    status = models.CharField(_("状態"), max_length=15, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Unique within the city (with the municipality: the distribution column of a sharded layout).
    token = models.CharField(max_length=64, default=_token, editable=False)
    link_code = models.CharField(_("LINE連携コード"), max_length=12, null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("停止日時"), null=True, blank=True)
    failure_reason = models.CharField(_("配信不能の理由"), max_length=300, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("配信登録")
        verbose_name_plural = _("配信登録")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "channel", "address"], condition=~models.Q(address=""), name="alerts_subscription_unique_address"),
            models.UniqueConstraint(fields=["municipality", "token"], name="alerts_subscription_unique_token"),
            models.UniqueConstraint(fields=["municipality", "link_code"], name="alerts_subscription_unique_link_code"),
        ]
        indexes = [models.Index(fields=["channel", "status"], name="alerts_sub_channel_status")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.masked_address}"

    @property
    def masked_address(self) -> str:
        if self.channel == Channel.EMAIL and "@" in self.address:
            local, domain = self.address.split("@", 1)
            return f"{local[:2]}…@{domain}"
        return self.address[:24] + ("…" if len(self.address) > 24 else "")

    @property
    def targeting(self) -> TargetingConsent | None:
        """The consent to targeted notices, if given (at most one per subscription)."""
        if not self.pk:
            return None
        return self.targeting_consents.first()


class ProfileFact(models.TextChoices):
    """プッシュ型配信の属性: facts a resident may choose to give for targeted notices."""

    CHILD_UNDER_3 = "child_under_3", _("3歳未満の子どもがいる")
    CHILD_SCHOOL = "child_school", _("小中学生の子どもがいる")
    AGED_65 = "aged_65", _("65歳以上の人がいる")
    NEEDS_SUPPORT = "needs_support", _("避難に手助けが必要な人がいる")
    PET = "pet", _("ペットを飼っている")


class TargetingConsent(CityOwned):
    """プッシュ型配信への同意と属性. Stored apart from the subscription so that withdrawing
    consent deletes exactly this row and nothing else. One per subscription (the constraint)."""

    municipality = city_key()
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="targeting_consents")
    facts = models.JSONField(_("属性"), default=list)
    consented_at = models.DateTimeField(_("同意日時"), default=timezone.now)
    consent_text = models.CharField(_("同意した文言"), max_length=300)

    tenant_parent = "subscription"
    objects = TenantManager()

    class Meta:
        verbose_name = _("プッシュ型配信の同意")
        verbose_name_plural = _("プッシュ型配信の同意")
        constraints = [models.UniqueConstraint(fields=["municipality", "subscription"], name="alerts_targetingconsent_once")]


class Severity(models.TextChoices):
    """CAP 1.2 severity, with the city's wording."""

    EXTREME = "Extreme", _("緊急（生命に危険）")
    SEVERE = "Severe", _("重要（警戒が必要）")
    MODERATE = "Moderate", _("注意")
    MINOR = "Minor", _("お知らせ")
    UNKNOWN = "Unknown", _("不明")


EMERGENCY_SEVERITIES = {Severity.EXTREME, Severity.SEVERE}


class Notice(models.Model):
    """お知らせ・緊急情報: one message to residents, sent on every chosen channel."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PENDING_APPROVAL = "pending_approval", _("承認待ち")
        APPROVED = "approved", _("承認済み")
        SCHEDULED = "scheduled", _("配信予約")
        SENDING = "sending", _("配信中")
        SENT = "sent", _("配信済み")
        WITHDRAWN = "withdrawn", _("取り下げ")

    class Kind(models.TextChoices):
        ALERT = "Alert", _("通常")
        UPDATE = "Update", _("訂正")
        CANCEL = "Cancel", _("取消")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="alert_notices")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="alert_notices", verbose_name=_("発信課"))
    identifier = models.UUIDField(default=uuid.uuid4, editable=False)  # unique within the city (Meta)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices, default=Kind.ALERT)
    references = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("訂正・取消の対象"))
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT, related_name="notices", verbose_name=_("分野"))
    areas = models.ManyToManyField(Area, through="NoticeArea", blank=True, related_name="notices", verbose_name=_("対象地域"))
    all_areas = models.BooleanField(_("市内全域"), default=False)
    severity = models.CharField(_("重要度"), max_length=10, choices=Severity.choices, default=Severity.MINOR)
    title = ResidentCharField(_("件名"), max_length=120)
    body = ResidentTextField(_("本文"))
    title_easy = ResidentCharField(_("件名（やさしい日本語）"), max_length=120, blank=True)
    body_easy = ResidentTextField(_("本文（やさしい日本語）"), blank=True)
    title_en = ResidentCharField(_("件名（英語）"), max_length=200, blank=True)
    body_en = ResidentTextField(_("本文（英語）"), blank=True)
    links = models.JSONField(_("関連リンク"), default=list, blank=True)  # [{"label": ..., "url": ...}]
    shelters = models.ManyToManyField(Shelter, through="NoticeShelter", blank=True, related_name="notices", verbose_name=_("開設する避難所"))
    target_facts = models.JSONField(_("プッシュ型配信の対象属性"), default=list, blank=True)
    channels = models.JSONField(_("配信方法"), default=list, blank=True)
    effective_from = models.DateTimeField(_("有効期間（開始）"), null=True, blank=True)
    expires_at = models.DateTimeField(_("有効期間（終了）"), null=True, blank=True)
    send_at = models.DateTimeField(_("配信予定日時"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # 二人制: whoever wrote, last edited or asked to send a notice may not also approve it.
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("最終更新者"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("配信依頼者"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("配信日時"), null=True, blank=True)
    source = models.CharField(_("取込元"), max_length=300, blank=True)
    source_identifier = models.CharField(_("取込元の識別子"), max_length=300, blank=True, db_index=True)
    # Set by the CAP import when the message could not be taken as it was meant (e.g. a 訂正・取消
    # whose original is not here); shown to staff until they deal with it.
    import_warning = models.CharField(_("取込時の注意"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        ordering = ["-sent_at", "-created_at"]
        permissions = [("send_alone", _("緊急情報を承認なしで配信できる"))]
        constraints = [models.UniqueConstraint(fields=["municipality", "identifier"], name="alerts_notice_unique_identifier")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_section(self):
        return self.section

    @property
    def is_emergency(self) -> bool:
        return self.severity in EMERGENCY_SEVERITIES

    @property
    def is_published(self) -> bool:
        return self.status in (self.Status.SENDING, self.Status.SENT)

    def text(self, language: str = "ja") -> tuple[str, str]:
        """(title, body) in ``language``, falling back to Japanese."""
        if language == Language.EN and self.title_en and self.body_en:
            return self.title_en, self.body_en
        if language == Language.EASY and self.title_easy and self.body_easy:
            return self.title_easy, self.body_easy
        return self.title, self.body

    def languages(self) -> list[str]:
        langs = [Language.JA.value]
        if self.title_easy and self.body_easy:
            langs.append(Language.EASY.value)
        if self.title_en and self.body_en:
            langs.append(Language.EN.value)
        return langs


class Delivery(CityOwned):
    """配信: one message of one notice to one subscription. The unique constraint makes fan-out
    idempotent; ``state`` + ``lease_until`` let workers claim, send, then mark — a worker that
    dies leaves a lease that expires and only its unsent rows run again."""

    class State(models.TextChoices):
        PENDING = "pending", _("未送信")
        CLAIMED = "claimed", _("送信中")
        SENT = "sent", _("送信済み")
        FAILED = "failed", _("失敗")
        SKIPPED = "skipped", _("対象外")

    # The notice's city: the fan-out's INSERT … SELECT writes it with every row.
    # No single-column indexes on the city and the notice: ``alerts_delivery_once`` leads with
    # the city and ``alerts_delivery_work`` with the notice, and each row is written three times
    # (fan-out, claim, mark; the updates change ``state``, so none is HOT): two redundant
    # indexes were a third of the table's index writes and WAL (bench_alerts, docs/engineering.md).
    municipality = city_key(db_index=False)
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    tenant_parent = "notice"
    objects = TenantManager()

    class Meta:
        verbose_name = _("配信")
        verbose_name_plural = _("配信")
        constraints = [models.UniqueConstraint(fields=["municipality", "notice", "subscription", "channel"], name="alerts_delivery_once")]
        indexes = [models.Index(fields=["notice", "channel", "state"], name="alerts_delivery_work")]

    @property
    def idempotency_key(self) -> str:
        """Stable per delivery: Message-ID (email), Topic (push), X-Line-Retry-Key (LINE)."""
        return str(uuid.uuid5(self.notice.identifier, f"{self.channel}:{self.subscription_id}"))


# --- many-to-many links, each carrying its city ---------------------------------------------
# Explicit through tables (they keep the tables Django made for the plain many-to-many fields)
# so that every city-owned row carries its municipality: the distribution column of a sharded
# layout (docs/scaling.md) and the key of the row-level security policy. ``add()``/``set()``
# fill it from the parent (``tenant_parent``) through the tenant queryset's ``bulk_create``.


class SubscriptionTopic(CityOwned):
    """配信登録の分野."""

    municipality = city_key()
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)

    tenant_parent = "subscription"
    objects = TenantManager()

    class Meta:
        db_table = "alerts_subscription_topics"
        # Led by the subscription (which is in one city): its index is what the fan-out's join
        # probes per subscription. Led by the city, the planner of a freshly filled table
        # combined two single-column indexes, scanning every row of the topic per subscription
        # (6.7 s for 20,000 subscribers, bench_alerts).
        constraints = [models.UniqueConstraint(fields=["subscription", "topic"], name="alerts_subscription_topic_once")]


class SubscriptionArea(CityOwned):
    """配信登録の地域."""

    municipality = city_key()
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE)
    area = models.ForeignKey(Area, on_delete=models.CASCADE)

    tenant_parent = "subscription"
    objects = TenantManager()

    class Meta:
        db_table = "alerts_subscription_areas"
        constraints = [models.UniqueConstraint(fields=["subscription", "area"], name="alerts_subscription_area_once")]  # as the topics


class NoticeArea(CityOwned):
    """お知らせの対象地域."""

    municipality = city_key()
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE)
    area = models.ForeignKey(Area, on_delete=models.CASCADE)

    tenant_parent = "notice"
    objects = TenantManager()

    class Meta:
        db_table = "alerts_notice_areas"
        constraints = [models.UniqueConstraint(fields=["municipality", "notice", "area"], name="alerts_noticearea_once")]


class NoticeShelter(CityOwned):
    """お知らせで開設する避難所."""

    municipality = city_key()
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE)
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE)

    tenant_parent = "notice"
    objects = TenantManager()

    class Meta:
        db_table = "alerts_notice_shelters"
        constraints = [models.UniqueConstraint(fields=["municipality", "notice", "shelter"], name="alerts_noticeshelter_once")]
