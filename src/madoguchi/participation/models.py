"""市民参加 (citizen participation): public comment (意見公募・パブリックコメント) and proposals
(提案). Every row belongs to a city (CityOwned); a consultation and a proposal queue belong to a
section (課), which alone sees the submitters' personal data."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, Section, city_file_path
from madoguchi.core.validation import ResidentCharField, ResidentTextField, TranscribedCharField, TranscribedTextField

from .periods import OpenPeriod


class Channel(models.TextChoices):
    """意見の提出方法."""

    WEB = "web", _("ウェブ")
    POST = "post", _("郵送")
    FAX = "fax", _("FAX")
    EMAIL = "email", _("メール")
    IN_PERSON = "in_person", _("持参")


# The personal fields a city's rules may require of a submitter (氏名・住所・電話 …).
PERSONAL_FIELDS = [
    ("name", _("氏名")),
    ("address", _("住所")),
    ("phone", _("電話番号")),
    ("email", _("メールアドレス")),
    ("age_group", _("年齢区分")),
]
PERSONAL_FIELD_NAMES = [name for name, _label in PERSONAL_FIELDS]

AGE_GROUPS = [
    ("", _("（選択してください）")),
    ("under20", _("20歳未満")),
    ("20s", _("20歳代")),
    ("30s", _("30歳代")),
    ("40s", _("40歳代")),
    ("50s", _("50歳代")),
    ("60s", _("60歳代")),
    ("70plus", _("70歳以上")),
    ("no_answer", _("回答しない")),
]


class Consultation(OpenPeriod, CityOwned):
    """意見公募（パブリックコメント）: a draft published for opinions during a period."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"))
    title = TranscribedCharField(_("案件名"), max_length=200)
    summary = TranscribedTextField(_("概要"), blank=True)
    easy_summary = TranscribedTextField(_("やさしい日本語の概要"), blank=True, help_text=_("書いたときだけ、公開ページに「やさしい日本語」として表示します。"))
    draft_pdf = models.FileField(_("案の PDF"), upload_to=city_file_path, blank=True)
    starts_on = models.DateField(_("募集開始日"))
    ends_on = models.DateField(_("募集終了日"))
    required_fields = models.JSONField(_("提出に必要な項目"), default=list, blank=True, help_text=_("氏名・住所・電話番号など、市の規程で求める項目"))
    is_published = models.BooleanField(_("公開する"), default=False)
    retention_days = models.PositiveIntegerField(_("個人情報の保存期間（募集終了後の日数）"), default=365)
    results_published_at = models.DateTimeField(_("結果の公表日時"), null=True, blank=True)
    personal_data_purged_at = models.DateTimeField(_("個人情報の削除日時"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("意見公募")
        verbose_name_plural = _("意見公募")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def purge_after(self) -> dt.date:
        return self.ends_on + dt.timedelta(days=self.retention_days)


class DraftSection(CityOwned):
    """案の章・節: the part of the draft an opinion is about."""

    tenant_parent = "consultation"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="draft_sections")
    number = TranscribedCharField(_("番号"), max_length=40, blank=True, help_text=_("例: 第1章（1）"))
    title = TranscribedCharField(_("見出し"), max_length=200)
    body = TranscribedTextField(_("本文"), blank=True)
    order = models.PositiveIntegerField(_("順番"), default=0)

    class Meta:
        verbose_name = _("案の章・節")
        verbose_name_plural = _("案の章・節")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()


class ConsultationPlanItem(CityOwned):
    """意見公募と計画の取組の関連: the plan item (plans.Item) by id, owned here so participation
    never reads the plans app's tables."""

    tenant_parent = "consultation"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="plan_links")
    plan_item_id = models.PositiveIntegerField(_("計画の取組 ID"))

    class Meta:
        verbose_name = _("関連する計画の取組")
        verbose_name_plural = _("関連する計画の取組")
        constraints = [models.UniqueConstraint(fields=["municipality", "consultation", "plan_item_id"], name="participation_consultation_item_unique")]


class OpinionGroup(CityOwned):
    """意見のまとまり: opinions to the same effect, answered by one 市の考え方."""

    tenant_parent = "consultation"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="groups")
    draft_section = models.ForeignKey(DraftSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("該当箇所"))
    summary = TranscribedTextField(_("意見の概要"))
    city_view = TranscribedTextField(_("市の考え方"), blank=True)
    order = models.PositiveIntegerField(_("順番"), default=0)

    class Meta:
        verbose_name = _("意見のまとまり")
        verbose_name_plural = _("意見のまとまり")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{_('意見のまとまり')} {self.pk}"


class Opinion(CityOwned):
    """提出意見: one opinion, from the web form or entered by staff from paper, FAX or email.
    The submitter's fields are personal data: shown only to the owning section (audited) and
    emptied after the consultation's retention period."""

    tenant_parent = "consultation"
    my_number_flag_field = "my_number_masked"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="opinions")
    draft_section = models.ForeignKey(DraftSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions", verbose_name=_("該当箇所"))
    # Transcribed: a マイナンバー is masked and flagged, never a reason to refuse a paper opinion
    # (the web form refuses one itself, as every resident-typed field does).
    text = TranscribedTextField(_("意見"))
    public_text = TranscribedTextField(_("公表する意見"), blank=True)
    text_hash = models.CharField(max_length=64, db_index=True, editable=False)
    channel = models.CharField(_("提出方法"), max_length=12, choices=Channel.choices, default=Channel.WEB)
    name = TranscribedCharField(_("氏名"), max_length=100, blank=True)
    address = TranscribedCharField(_("住所"), max_length=200, blank=True)
    phone = TranscribedCharField(_("電話番号"), max_length=30, blank=True)
    email = models.EmailField(_("メールアドレス"), blank=True)
    age_group = models.CharField(_("年齢区分"), max_length=12, choices=AGE_GROUPS, blank=True)
    received_at = models.DateTimeField(_("受付日時"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("入力した職員"))
    group = models.ForeignKey(OpinionGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="opinions", verbose_name=_("意見のまとまり"))
    my_number_masked = models.BooleanField(_("個人番号を伏せた"), default=False)
    personal_data_purged = models.BooleanField(_("個人情報を削除済み"), default=False)

    class Meta:
        verbose_name = _("提出意見")
        verbose_name_plural = _("提出意見")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return self.receipt_number  # never the text: audit labels must carry no personal data

    @property
    def receipt_number(self) -> str:
        return f"PC-{self.consultation_id}-{self.pk}"

    @property
    def audit_section(self):
        return self.consultation.section


class PersonalDataFlag(CityOwned):
    """個人情報の確認: something in an opinion's text that looks like personal data. Nothing is
    published while one is open; staff redact it (伏せる) or keep it (公表してよい)."""

    tenant_parent = "opinion"

    class Kind(models.TextChoices):
        NAME = "name", _("氏名")
        ADDRESS = "address", _("住所")
        PHONE = "phone", _("電話番号")
        EMAIL = "email", _("メールアドレス")
        MY_NUMBER = "my_number", _("マイナンバー")

    class Status(models.TextChoices):
        OPEN = "open", _("未確認")
        REDACTED = "redacted", _("伏せた")
        KEPT = "kept", _("そのまま公表")

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("種類"), max_length=12, choices=Kind.choices)
    excerpt = TranscribedCharField(_("該当部分"), max_length=200)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("個人情報の確認")
        verbose_name_plural = _("個人情報の確認")
        ordering = ["id"]

    @property
    def audit_section(self):
        return self.opinion.consultation.section


class Proposal(CityOwned):
    """提案: a resident's idea, supported and commented on by others, answered by a section."""

    class Status(models.TextChoices):
        OPEN = "open", _("受付中")
        QUEUED = "queued", _("担当課で確認中")
        ANSWERED = "answered", _("回答済み")

    class Outcome(models.TextChoices):
        NONE = "", _("未回答")
        CONSIDERING = "considering", _("検討中")
        ADOPTED = "adopted", _("採用")
        PARTLY = "partly", _("一部採用")
        REJECTED = "rejected", _("不採用")

    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = ResidentCharField(_("題名"), max_length=120)
    body = ResidentTextField(_("提案の内容"))
    text_hash = models.CharField(max_length=64, db_index=True, editable=False)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("結果"), max_length=12, choices=Outcome.choices, default="", blank=True)
    answer = TranscribedTextField(_("市からの回答"), blank=True)
    easy_answer = TranscribedTextField(_("市からの回答（やさしい日本語）"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hidden_reason = TranscribedCharField(_("非表示の理由"), max_length=300, blank=True)
    supports_count = models.PositiveIntegerField(_("賛同数"), default=0)
    created_at = models.DateTimeField(_("投稿日時"), default=timezone.now)

    class Meta:
        verbose_name = _("提案")
        verbose_name_plural = _("提案")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_section(self):
        return self.section

    @property
    def is_hidden(self) -> bool:
        return bool(self.hidden_reason)


class ProposalPlanItem(CityOwned):
    """提案と計画の取組の関連 (plans.Item by id)."""

    tenant_parent = "proposal"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="plan_links")
    plan_item_id = models.PositiveIntegerField(_("計画の取組 ID"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "proposal", "plan_item_id"], name="participation_proposal_item_unique")]


class CommentCampaign(CityOwned):
    """同じ内容のコメントのまとまり: the same (or nearly the same) comment posted from several
    accounts — an organised campaign or spam, or simply agreement. Flagged to staff as a group,
    never refused (``campaigns.py``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("未確認")
        REVIEWED = "reviewed", _("確認済み（問題なし）")
        HIDDEN = "hidden", _("まとめて非表示")

    text_hash = models.CharField(max_length=64, editable=False)  # of the first comment
    excerpt = TranscribedCharField(_("内容（最初のコメント）"), max_length=200)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    first_at = models.DateTimeField(_("最初の投稿"), default=timezone.now)
    last_at = models.DateTimeField(_("最後の投稿"), default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("同じ内容のコメントのまとまり")
        verbose_name_plural = _("同じ内容のコメントのまとまり")
        ordering = ["-last_at", "-id"]

    def __str__(self) -> str:
        return f"CC-{self.pk}"  # audit labels carry no resident text

    @property
    def audit_section(self):
        first = self.comments.select_related("proposal__section").first()
        return first.proposal.section if first else None


class Comment(CityOwned):
    """提案へのコメント (threaded: ``parent`` is the comment answered)."""

    tenant_parent = "proposal"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = ResidentTextField(_("コメント"))
    hidden_reason = TranscribedCharField(_("非表示の理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Normalised hash (text.text_hash) and the campaign it was grouped into, if any.
    text_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    campaign = models.ForeignKey(CommentCampaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")

    class Meta:
        verbose_name = _("コメント")
        verbose_name_plural = _("コメント")
        ordering = ["created_at", "id"]

    @property
    def audit_section(self):
        return self.proposal.section


class Support(CityOwned):
    """賛同: one per account and proposal."""

    tenant_parent = "proposal"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "proposal", "user"], name="participation_support_once")]


class Report(CityOwned):
    """通報: a resident reports a proposal or comment; it waits in the moderation queue."""

    tenant_parent = "proposal"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = ResidentTextField(_("通報の理由"))
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("通報")
        verbose_name_plural = _("通報")
        ordering = ["created_at", "id"]

    @property
    def audit_section(self):
        return self.proposal.section


class CitySettings(CityOwned):
    """市民参加の設定（自治体ごと）."""

    support_threshold = models.PositiveIntegerField(_("担当課の確認に回す賛同数"), default=30)

    class Meta:
        verbose_name = _("市民参加の設定")
        verbose_name_plural = _("市民参加の設定")
        constraints = [models.UniqueConstraint(fields=["municipality"], name="participation_settings_one_per_city")]


# Surveys (アンケート) live in their own module; imported here so Django registers them.
from .survey_models import RegisterEntry, Survey, SurveyAnswer, SurveyInvitation, SurveyPlanItem, SurveyResponse  # noqa: E402, F401
