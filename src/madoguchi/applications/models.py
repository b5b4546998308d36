"""Online applications (電子申請): the procedure catalogue, submissions and their history.

A ``Submission`` starts as a draft (下書き), becomes 受付済 when submitted (online or at the
counter) and then moves through the statuses in ``services.TRANSITIONS``. It always keeps the
``FormVersion`` it was made with, so staff editing a form never breaks a draft in progress.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from madoguchi.core import tenancy
from madoguchi.core.models import CityOwned, TenantManager, city_key
from madoguchi.core.validation import ResidentCharField, ResidentTextField, TranscribedCharField


def _active_or_default_city_id() -> int | None:
    """The city a row with no parent belongs to: the active one, else (commands, tests outside
    a request) the deployment's default city."""
    city_id = tenancy.current_id()
    if city_id is None:
        from madoguchi.core.models import Municipality

        city_id = getattr(Municipality.current(), "pk", None)
    return city_id


class LifeEvent(CityOwned):
    """ライフイベント (出産, 引越し, 介護 …): how residents browse procedures. Each city keeps
    its own list (the active city's when made)."""

    slug = models.SlugField()
    name = ResidentCharField(_("名称"), max_length=50)
    description = ResidentCharField(_("説明"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("ライフイベント")
        verbose_name_plural = _("ライフイベント")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="lifeevent_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.municipality_id is None:
            self.municipality_id = _active_or_default_city_id()
        super().save(*args, **kwargs)


class Procedure(models.Model):
    """手続: one entry of the catalogue, owned by a section, optionally with an online form."""

    class Assurance(models.TextChoices):
        NONE = "none", _("本人確認なし（どなたでも申請できます）")
        ACCOUNT = "account", _("利用者登録（メール確認済み）が必要")
        MY_NUMBER_CARD = "my_number_card", _("マイナンバーカードによる本人確認が必要")
        GBIZID = "gbizid", _("gBizID（法人・個人事業主）による本人確認が必要")

    municipality = models.ForeignKey("core.Municipality", on_delete=models.CASCADE, related_name="procedures")
    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="procedures", verbose_name=_("担当課"))
    slug = models.SlugField(_("識別子"), max_length=80)
    name = ResidentCharField(_("手続名"), max_length=100)
    name_kana = ResidentCharField(_("手続名（かな）"), max_length=200, blank=True)
    summary = ResidentTextField(_("概要"))
    eligibility = ResidentTextField(_("申請できる人"), blank=True)
    required_documents = ResidentTextField(_("必要なもの"), blank=True, help_text=_("1行に1つ"))
    fee = models.PositiveIntegerField(_("手数料（円）"), default=0)
    fee_note = ResidentCharField(_("手数料の説明"), max_length=200, blank=True)
    payment_timing = models.CharField(
        _("手数料の支払い方"),
        max_length=10,
        choices=[
            ("counter", _("窓口払い（窓口で支払い、職員が記録する）")),
            ("before", _("事前決済（申請のあとオンラインで。支払いを確認してから審査する）")),
            ("after", _("事後決済（職員が受理したあと、メールのリンクからオンラインで）")),
        ],
        default="counter",
        help_text=_("手数料が0円の手続では使いません。支払いは支払い機能（payments）が受け付け、領収書を発行します。"),
    )
    processing_time = ResidentCharField(_("処理期間の目安"), max_length=100, blank=True)
    online = models.BooleanField(_("オンラインで申請できる"), default=True)
    external_url = models.URLField(_("外部の申請先（マイナポータル等）"), blank=True)
    identity_assurance = models.CharField(_("必要な本人確認"), max_length=20, choices=Assurance.choices, default=Assurance.ACCOUNT)
    # 電子署名 (issue #16): the resident signs the final application with the card's 署名用電子証明書
    # (identity app) before it is received online; the counter keeps its handwritten signature.
    requires_signature = models.BooleanField(
        _("電子署名が必要"), default=False, help_text=_("オンライン申請の最後に、マイナンバーカードによる電子署名を求めます。")
    )
    retention_years = models.PositiveSmallIntegerField(_("保存年限（年）"), default=5)
    life_events = models.ManyToManyField(LifeEvent, through="ProcedureLifeEvent", blank=True, related_name="procedures", verbose_name=_("ライフイベント"))
    form = models.ForeignKey("forms.Form", null=True, blank=True, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("申請フォーム"))
    counter_note = ResidentCharField(_("窓口での手続"), max_length=200, blank=True)
    is_published = models.BooleanField(_("公開"), default=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)

    objects = TenantManager()

    class Meta:
        verbose_name = _("手続")
        verbose_name_plural = _("手続")
        ordering = ["order", "name_kana", "id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="procedure_unique_slug")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("applications:procedure", args=[self.slug])

    @property
    def audit_section(self):
        return self.section

    @property
    def documents_list(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]

    @property
    def can_apply_online(self) -> bool:
        # A マイナンバーカード or gBizID procedure is online only where the city has a provider for
        # it (identity app, through the registry); otherwise it stays at the counter / マイナポータル.
        if not (self.online and self.form_id is not None and not self.external_url):
            return False
        if self.identity_assurance in self.STRICT and not self.identity_provider_available:
            return False
        # 電子署名: online only where the city can take signatures (identity app); else the counter.
        return not self.requires_signature or self.signature_available

    @property
    def signature_available(self) -> bool:
        from madoguchi.identity import signing

        city = tenancy.current() if tenancy.current_id() == self.municipality_id else self.municipality
        return signing.available(city)

    STRICT = (Assurance.MY_NUMBER_CARD, Assurance.GBIZID)

    @property
    def identity_provider_available(self) -> bool:
        from madoguchi.core.registry import identity_providers

        # The active city is already loaded: no query per procedure in a catalogue listing.
        city = tenancy.current() if tenancy.current_id() == self.municipality_id else self.municipality
        return any(p.assurance == self.identity_assurance and p.configured(city) for p in identity_providers.values())

    @property
    def can_take_at_counter(self) -> bool:
        """書かない窓口: staff fill any procedure that has a form for a visitor, online or not;
        the visitor's identity is checked in person (so マイナンバーカード procedures too)."""
        return self.form_id is not None


class ProcedureLifeEvent(CityOwned):
    """手続とライフイベントの対応, carrying its city like every city-owned row (an explicit
    through table that keeps the table of the former plain many-to-many field)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE)
    lifeevent = models.ForeignKey(LifeEvent, on_delete=models.CASCADE)

    tenant_parent = "procedure"
    objects = TenantManager()

    class Meta:
        db_table = "applications_procedure_life_events"
        constraints = [models.UniqueConstraint(fields=["municipality", "procedure", "lifeevent"], name="applications_procedurelifeevent_once")]


class Submission(CityOwned):
    """申請: a resident's application for one procedure (a draft until submitted), in the
    procedure's city."""

    tenant_parent = "procedure"

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        RECEIVED = "received", _("受付済")
        REVIEWING = "reviewing", _("審査中")
        CORRECTION = "correction", _("補正依頼")
        COMPLETED = "completed", _("完了")
        REJECTED = "rejected", _("却下")
        WITHDRAWN = "withdrawn", _("取下げ")

    class Channel(models.TextChoices):
        ONLINE = "online", _("オンライン")
        COUNTER = "counter", _("窓口（書かない窓口）")
        API = "api", _("API")

    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("手続"))
    # Without Django's single-column indexes on the city and the section: the unique constraints
    # lead with the city and ``submission_inbox`` with the section (core/tests/test_indexes.py).
    municipality = city_key(db_index=False)
    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"), db_index=False)
    form_version = models.ForeignKey("forms.FormVersion", on_delete=models.PROTECT, related_name="+", verbose_name=_("フォームの版"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions", verbose_name=_("申請者")
    )
    session_key = models.CharField(max_length=64, blank=True, help_text="drafts of residents who are not signed in")
    applicant_name = ResidentCharField(_("申請者氏名"), max_length=100, blank=True)
    applicant_email = models.EmailField(_("連絡先メール"), blank=True)
    answers = models.JSONField(_("回答"), default=dict, blank=True)
    current_page = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    channel = models.CharField(_("受付方法"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("窓口で受け付けた職員")
    )
    receipt_number = models.CharField(_("受付番号"), max_length=20, null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_submissions", verbose_name=_("担当者")
    )
    search_text = models.TextField(blank=True, help_text="answers flattened for staff search; マイナンバー removed")
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    submitted_at = models.DateTimeField(_("申請日時"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    retain_until = models.DateField(_("保存期限"), null=True, blank=True, db_index=True)
    # 本人確認 (issue #16): the assurance the applicant proved, by which provider and as whom (the
    # provider's subject for this city's client); a business's 法人番号 and name from gBizID; the
    # answers prefilled from the card (基本4情報), verified and not editable by the resident.
    identity_assurance = models.CharField(_("本人確認の方法"), max_length=20, choices=Procedure.Assurance.choices, blank=True)
    identity_provider = models.CharField(_("本人確認サービス"), max_length=40, blank=True)
    identity_subject = models.CharField(_("本人確認の識別子"), max_length=255, blank=True)
    corporate_number = models.CharField(_("法人番号"), max_length=13, blank=True)
    corporate_name = TranscribedCharField(_("法人名"), max_length=200, blank=True)
    verified_answers = models.JSONField(_("確認済みの回答"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("申請")
        verbose_name_plural = _("申請")
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(fields=["section", "status", "submitted_at"], name="submission_inbox"),
            # Declared here rather than ``db_index=True``: on PostgreSQL that adds a second,
            # ``varchar_pattern_ops`` index for LIKE, which nothing asks of these columns and every
            # submission would write (core/tests/test_indexes.py).
            models.Index(fields=["status"], name="submission_status"),
            models.Index(fields=["corporate_number"], name="submission_corporate_number"),
        ]
        # Unique per city (the municipality first: the distribution column of a sharded layout).
        constraints = [
            models.UniqueConstraint(fields=["municipality", "uuid"], name="submission_unique_uuid"),
            models.UniqueConstraint(fields=["municipality", "receipt_number"], name="submission_unique_receipt_number"),
            models.UniqueConstraint(fields=["municipality", "idempotency_key"], name="submission_unique_idempotency_key"),
        ]

    @property
    def staff_url(self) -> str:
        """The case in the back office (the payments app's staff page links back here)."""
        from django.urls import reverse

        return reverse("applications:staff_detail", args=[self.uuid])

    def __str__(self) -> str:
        return f"{self.receipt_number or _('下書き')} {self.procedure}"

    @property
    def audit_section(self):
        return self.section

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.RECEIVED, self.Status.REVIEWING, self.Status.CORRECTION)


class SubmissionEvent(CityOwned):
    """申請の履歴: status changes, messages, assignment, with who and when."""

    tenant_parent = "submission"

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("申請")
        STATUS = "status", _("状態の変更")
        MESSAGE = "message", _("メッセージ")
        ASSIGN = "assign", _("担当者の設定")
        RESUBMITTED = "resubmitted", _("補正後の再申請")
        NOTE = "note", _("内部メモ")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_staff = models.BooleanField(default=False)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    body = ResidentTextField(_("内容"), blank=True)
    visible_to_applicant = models.BooleanField(default=True)
    # Still to be listed in the owning section's next digest email (services.section_digest).
    section_pending = models.BooleanField(default=False)
    # On a 補正依頼: the answers as submitted, which staff keep seeing while the resident edits.
    answers = models.JSONField(_("補正依頼時の申請内容"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申請の履歴")
        verbose_name_plural = _("申請の履歴")
        ordering = ["created_at", "id"]
        # Only the few rows waiting for a digest are indexed, so the index stays tiny.
        indexes = [models.Index(fields=["id"], condition=models.Q(section_pending=True), name="event_section_pending")]

    @property
    def to_status_label(self) -> str:
        return Submission.Status(self.to_status).label if self.to_status else ""


class ReceiptCounter(CityOwned):
    """受付番号の採番: one row per city and fiscal year (each city numbers its own cases),
    incremented with an atomic UPDATE so any number of app processes hand out unique,
    gap-tolerant numbers."""

    pk = models.CompositePrimaryKey("municipality", "fiscal_year")
    fiscal_year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("受付番号の採番")
        verbose_name_plural = _("受付番号の採番")
