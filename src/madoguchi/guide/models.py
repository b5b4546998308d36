"""手続きガイド (procedure guides by life event) and よくある質問 (FAQ).

A guide's questions and rules live in a ``GuideVersion.definition`` (data staff edit, see
``definition.py``); residents see only the version a second person approved (``Guide.published``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, TenantManager
from madoguchi.core.sharing_models import SharedCopy, SharedTemplateBase
from madoguchi.core.validation import ResidentCharField, ResidentTextField


class Guide(SharedCopy, CityOwned):
    """手続きガイド: one life event's questionnaire, owned by a 課 (who edits and approves it)."""

    slug = models.SlugField(_("識別子"), max_length=60)
    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"))
    order = models.PositiveIntegerField(_("表示順"), default=0)
    published = models.ForeignKey("GuideVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("公開中の版"))
    created_at = models.DateTimeField(auto_now_add=True)
    # コピー元 (the rest from SharedCopy): plain values, never a key into another city's rows.
    origin_guide_id = models.PositiveBigIntegerField(_("コピー元のガイド"), null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("手続きガイド")
        verbose_name_plural = _("手続きガイド")
        ordering = ["order", "slug"]
        constraints = [models.UniqueConstraint(fields=["municipality", "slug"], name="guide_unique_slug")]

    def __str__(self) -> str:
        version = self.published or self.versions.order_by("-number").first()
        return (version.title if version else "") or self.slug

    @property
    def audit_section(self):
        return self.section

    def get_absolute_url(self) -> str:
        return reverse("guide:detail", args=[self.slug])


class GuideVersion(CityOwned):
    """ガイドの版: a draft staff edit, sent for review, published by a second person."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PENDING = "pending", _("承認待ち")
        PUBLISHED = "published", _("公開中")
        SUPERSEDED = "superseded", _("過去の版")
        REJECTED = "rejected", _("差し戻し")

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    definition = models.JSONField(_("質問とルール"), default=dict)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("最後に編集した人"))
    submitted_at = models.DateTimeField(_("承認依頼日時"), null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("承認した人"))
    reviewed_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    review_comment = ResidentTextField(_("差し戻しの理由"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_parent = "guide"
    objects = TenantManager()

    class Meta:
        verbose_name = _("ガイドの版")
        verbose_name_plural = _("ガイドの版")
        ordering = ["guide", "-number"]
        constraints = [models.UniqueConstraint(fields=["municipality", "guide", "number"], name="guideversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.title} 第{self.number}版"

    @property
    def title(self) -> str:
        title = (self.definition or {}).get("title", "")
        return title.get("ja", "") if isinstance(title, dict) else str(title)

    @property
    def audit_section(self):
        return self.guide.section


class SharedGuide(SharedTemplateBase):
    """ひな形として共有したガイド: a guide's published version offered to the other cities to copy
    (fields and rules: ``core.sharing_models.SharedTemplateBase``; the mechanism: ``core.sharing``)."""

    tenant_parent = "guide"

    guide = models.ForeignKey(Guide, verbose_name=_("ガイド"), on_delete=models.CASCADE, related_name="shares")
    definition = models.JSONField(_("質問とルール"), default=dict)

    class Meta(SharedTemplateBase.Meta):
        verbose_name = _("共有したガイド")
        verbose_name_plural = _("共有したガイド")
        constraints = [models.UniqueConstraint(fields=["municipality", "guide"], name="guide_sharedguide_unique_guide")]


class SavedChecklist(CityOwned):
    """保存したチェックリスト: a signed-in resident's checklist of one guide, ticked off as they go."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(GuideVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("回答"), default=dict)
    event_date = models.DateField(_("基準日"), null=True, blank=True)
    language = models.CharField(max_length=8, choices=[("ja", "日本語"), ("easy", "やさしい日本語"), ("en", "English")], default="ja")
    done = models.JSONField(_("済んだ手続"), default=list)
    reminders = models.BooleanField(_("期限のお知らせをメールで受け取る"), default=False)
    reminded = models.JSONField(default=list, help_text="step keys already reminded of")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_parent = "guide"
    objects = TenantManager()

    class Meta:
        verbose_name = _("保存したチェックリスト")
        verbose_name_plural = _("保存したチェックリスト")
        ordering = ["-created_at"]


class Faq(CityOwned):
    """よくある質問: a question and its answer, kept by a 課, linked to procedures and guides."""

    section = models.ForeignKey("core.Section", on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"))
    question = ResidentCharField(_("質問"), max_length=200)
    answer = ResidentTextField(_("答え"))
    question_easy = ResidentCharField(_("質問（やさしい日本語）"), max_length=200, blank=True)
    answer_easy = ResidentTextField(_("答え（やさしい日本語）"), blank=True)
    question_en = ResidentCharField(_("質問（英語）"), max_length=200, blank=True)
    answer_en = ResidentTextField(_("答え（英語）"), blank=True)
    keywords = ResidentCharField(_("検索用の言葉"), max_length=200, blank=True, help_text=_("住民が使いそうな言い方（読点区切り）。表示はされません"))
    procedures = models.ManyToManyField("applications.Procedure", through="FaqProcedure", blank=True, related_name="+", verbose_name=_("関連する手続"))
    guides = models.ManyToManyField(Guide, through="FaqGuide", blank=True, related_name="faqs", verbose_name=_("関連する手続きガイド"))
    is_published = models.BooleanField(_("公開"), default=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("よくある質問")
        verbose_name_plural = _("よくある質問")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.question

    @property
    def audit_section(self):
        return self.section

    def get_absolute_url(self) -> str:
        return reverse("guide:faq_detail", args=[self.pk])

    def localized(self, language: str) -> tuple[str, str, bool]:
        """(question, answer, fell_back): the language staff wrote, else Japanese."""
        if language == "easy" and self.question_easy and self.answer_easy:
            return self.question_easy, self.answer_easy, False
        if language == "en" and self.question_en and self.answer_en:
            return self.question_en, self.answer_en, False
        return self.question, self.answer, language in ("easy", "en")


class FaqProcedure(CityOwned):
    faq = models.ForeignKey(Faq, on_delete=models.CASCADE)
    procedure = models.ForeignKey("applications.Procedure", on_delete=models.CASCADE)

    tenant_parent = "faq"
    objects = TenantManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "faq", "procedure"], name="guide_faqprocedure_once")]


class FaqGuide(CityOwned):
    faq = models.ForeignKey(Faq, on_delete=models.CASCADE)
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE)

    tenant_parent = "faq"
    objects = TenantManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "faq", "guide"], name="guide_faqguide_once")]


def _plan_code() -> str:
    from django.utils.crypto import get_random_string

    # No 0/O, 1/I: read aloud at the counter.
    return get_random_string(8, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


class VisitPlan(CityOwned):
    """まとめて来庁: one visit to City Hall booked from a guide's checklist, a slot at each counter
    its in-person procedures need (``VisitPlanStop``, each a reservations ``Visit``), booked all
    or none. Keeps what the resident chose to tell the counters (``answers``, ``event_date``),
    so staff prefill the 書かない窓口 from data, not from the booking's free text."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("予約済み")
        CANCELLED = "cancelled", _("取消済み")

    code = models.SlugField(_("まとめ予約の番号"), max_length=12, default=_plan_code, db_index=False)  # A–Z, 2–9: not free text
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    guide = models.ForeignKey(Guide, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(GuideVersion, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("来庁日"))
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    shared = models.BooleanField(_("回答を窓口に伝える"), default=False, help_text=_("住民が選んだときだけ answers と event_date を保存する"))
    answers = models.JSONField(_("ガイドの回答"), default=dict, blank=True)
    event_date = models.DateField(_("基準日"), null=True, blank=True)
    language = models.CharField(max_length=8, choices=[("ja", "日本語"), ("easy", "やさしい日本語"), ("en", "English")], default="ja")
    steps = models.JSONField(_("窓口で行う手続（ステップの識別子）"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    tenant_parent = "guide"
    objects = TenantManager()

    class Meta:
        verbose_name = _("まとめて来庁の予約")
        verbose_name_plural = _("まとめて来庁の予約")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="guide_visitplan_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.date:%Y-%m-%d}"

    @property
    def audit_section(self):
        return self.guide.section

    def get_absolute_url(self) -> str:
        return reverse("guide:plan_detail", args=[self.code])


class VisitPlanStop(CityOwned):
    """まとめて来庁の1か所: the reservations visit (a slot at one counter) and the steps done there."""

    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="stops")
    visit = models.ForeignKey("reservations.Visit", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("回る順番"))
    steps = models.JSONField(_("この窓口で行う手続（ステップの識別子）"), default=list)
    minutes = models.PositiveIntegerField(_("窓口の時間の目安（分）"), default=0)
    walk_minutes = models.PositiveIntegerField(_("前の窓口からの移動（分）"), default=0)

    tenant_parent = "plan"
    objects = TenantManager()

    class Meta:
        verbose_name = _("まとめて来庁の窓口")
        verbose_name_plural = _("まとめて来庁の窓口")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "plan", "order"], name="guide_visitplanstop_unique_order"),
            models.UniqueConstraint(fields=["municipality", "visit"], name="guide_visitplanstop_one_plan_per_visit"),
        ]
