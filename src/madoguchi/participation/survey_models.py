"""アンケート (surveys): a form-engine definition answered by an audience — anyone (one response
per browser, figures indicative), signed-in residents (one per account) or an invited random
sample drawn from a register extract (one per invitation code). Imported by ``models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, Section
from madoguchi.core.validation import TranscribedCharField, TranscribedTextField

from .periods import OpenPeriod

# Choice values and codes below are checked against the survey's choices or typed by staff; they
# are declared Transcribed* (masked on save, never refused). The draw's hex values and the browser
# key are plain CharFields, exempt in the マイナンバー walker as machine-written: masking alters a
# hex string that happens to hold 12 digits with a valid check digit (0.28% of 64-hex values, 1 in
# ~800 uuid4 keys), which broke the draw's public verification and lost open-survey drafts.


class Survey(OpenPeriod, CityOwned):
    """アンケート."""

    class Audience(models.TextChoices):
        OPEN = "open", _("どなたでも（ブラウザごとに1回）")
        SIGNED_IN = "signed_in", _("ログインした方（アカウントごとに1回）")
        INVITED = "invited", _("無作為抽出で招待した方（招待コードごとに1回）")

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当課"))
    title = TranscribedCharField(_("アンケート名"), max_length=200)
    description = TranscribedTextField(_("説明"), blank=True)
    easy_description = TranscribedTextField(
        _("やさしい日本語の説明"), blank=True, help_text=_("書いたときだけ、公開ページに「やさしい日本語」として表示します。")
    )
    # The questions: a form-engine definition (forms/SCHEMA.md) with the survey types of fields.py.
    schema = models.JSONField(_("設問（フォーム定義）"), default=dict)
    audience = models.CharField(_("対象"), max_length=20, choices=Audience.choices, default=Audience.OPEN)
    starts_on = models.DateField(_("回答開始日"))
    ends_on = models.DateField(_("回答締切日"))
    is_published = models.BooleanField(_("公開する"), default=False)
    results_public = models.BooleanField(_("集計結果を公開する"), default=False)
    # Keys of choice questions whose answers become the breakdown attributes (年齢区分, 地区, その他).
    age_question = TranscribedCharField(_("年齢区分の設問の key"), max_length=50, blank=True, default="age_group")
    area_question = TranscribedCharField(_("地区の設問の key"), max_length=50, blank=True, default="area")
    extra_question = TranscribedCharField(_("その他の属性の設問の key"), max_length=50, blank=True)
    sample_size = models.PositiveIntegerField(_("抽出する人数"), default=0)
    # The published-seed draw (core.draw): commitment published before the extract is uploaded.
    draw_secret = models.CharField(max_length=64, blank=True, editable=False)
    draw_commitment = models.CharField(_("抽選の事前公表値（コミットメント）"), max_length=64, blank=True)
    draw_digest = models.CharField(_("名簿のダイジェスト"), max_length=64, blank=True)
    draw_seed = models.CharField(_("抽選のシード"), max_length=64, blank=True)
    drawn_at = models.DateTimeField(_("抽選日時"), null=True, blank=True)
    register_size = models.PositiveIntegerField(_("名簿の人数"), default=0)
    letters_printed_at = models.DateTimeField(_("案内状の印刷日時"), null=True, blank=True)
    register_purged_at = models.DateTimeField(_("名簿の削除日時"), null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        _("回答の保存期間（回答締切後の日数）"),
        default=365,
        help_text=_("過ぎると、回答とアカウント・招待コード・ブラウザの結びつき、回答途中のもの、自由記述を削除します（選択肢の集計は残ります）。"),
    )
    responses_purged_at = models.DateTimeField(_("回答の個人情報の削除日時"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("アンケート")
        verbose_name_plural = _("アンケート")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def purge_after(self):
        """The last day answers keep their link to a person (then ``surveys.purge_responses``)."""
        import datetime as dt

        return self.ends_on + dt.timedelta(days=self.retention_days)

    @property
    def indicative(self) -> bool:
        """Open surveys count browsers, not people: their figures are only indicative (参考値)."""
        return self.audience == self.Audience.OPEN


class SurveyPlanItem(CityOwned):
    """アンケートと計画の取組の関連 (plans.Item by id, as ConsultationPlanItem)."""

    tenant_parent = "survey"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="plan_links")
    plan_item_id = models.PositiveIntegerField(_("計画の取組 ID"))

    class Meta:
        verbose_name = _("関連する計画の取組")
        verbose_name_plural = _("関連する計画の取組")
        constraints = [models.UniqueConstraint(fields=["municipality", "survey", "plan_item_id"], name="participation_survey_item_unique")]


class RegisterEntry(CityOwned):
    """名簿の抽出データの1行 (住民基本台帳などから): personal data, kept only until the invitation
    letters are printed, then deleted; every staff read is audited."""

    tenant_parent = "survey"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="register")
    person_id = TranscribedCharField(_("宛名番号"), max_length=40)
    name = TranscribedCharField(_("氏名"), max_length=100)
    postal_code = TranscribedCharField(_("郵便番号"), max_length=10, blank=True)
    address = TranscribedCharField(_("住所"), max_length=300)
    age_group = TranscribedCharField(_("年齢区分"), max_length=20, blank=True)
    area = TranscribedCharField(_("地区"), max_length=100, blank=True)
    invitation = models.OneToOneField("SurveyInvitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("名簿の行")
        verbose_name_plural = _("名簿の行")
        constraints = [models.UniqueConstraint(fields=["municipality", "survey", "person_id"], name="participation_register_person_unique")]

    def __str__(self) -> str:
        return f"{_('名簿の行')} {self.pk}"


class SurveyInvitation(CityOwned):
    """招待コード: one per drawn person. After the register is purged only the code and the coarse
    attributes used for breakdowns (年齢区分・地区) remain — no name or address."""

    tenant_parent = "survey"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    code = TranscribedCharField(_("招待コード"), max_length=20)
    position = models.PositiveIntegerField(_("抽選順"))
    age_group = TranscribedCharField(_("年齢区分"), max_length=20, blank=True)
    area = TranscribedCharField(_("地区"), max_length=100, blank=True)
    used_at = models.DateTimeField(_("回答日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("招待コード")
        verbose_name_plural = _("招待コード")
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="participation_invitation_code_unique")]

    def __str__(self) -> str:
        return f"{_('招待')} {self.position}"


class SurveyResponse(CityOwned):
    """アンケートの回答: a draft while being filled (save and resume), then submitted. One per
    account, invitation code or browser (unique constraints, city included)."""

    tenant_parent = "survey"

    class Channel(models.TextChoices):
        WEB = "web", _("ウェブ")
        PAPER = "paper", _("紙（職員が入力）")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invitation = models.OneToOneField(SurveyInvitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response")
    browser_key = models.CharField(max_length=40, blank=True, default="")  # letters only (surveys.new_browser_key)
    channel = models.CharField(_("回答方法"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    answers = models.JSONField(_("回答"), default=dict)
    page = models.PositiveIntegerField(default=0)
    age_group = TranscribedCharField(_("年齢区分"), max_length=50, blank=True)
    area = TranscribedCharField(_("地区"), max_length=100, blank=True)
    extra = TranscribedCharField(_("その他の属性"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("送信日時"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("アンケートの回答")
        verbose_name_plural = _("アンケートの回答")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "survey", "user"], condition=Q(user__isnull=False), name="participation_response_user_unique"),
            models.UniqueConstraint(
                fields=["municipality", "invitation"], condition=Q(invitation__isnull=False), name="participation_response_invitation_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "survey", "browser_key"], condition=~Q(browser_key=""), name="participation_response_browser_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('回答')} {self.pk}"

    @property
    def audit_section(self):
        return self.survey.section


class SurveyAnswer(CityOwned):
    """One counted answer of a submitted response, flattened for aggregation in SQL: a choice
    (``value``), a likert point, a matrix cell (``row:choice``), a ranked item (``item:rank``), a
    free text (``text``), or ``*`` (the question was answered: the denominator of multiple
    choice). The response's breakdown attributes are copied here so that results are one
    ``GROUP BY`` without a join (100,000 responses in well under 2 s)."""

    tenant_parent = "survey"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="counted")
    question = TranscribedCharField(max_length=50)
    value = TranscribedCharField(max_length=120, blank=True)
    text = TranscribedTextField(blank=True)
    age_group = TranscribedCharField(max_length=50, blank=True)
    area = TranscribedCharField(max_length=100, blank=True)
    extra = TranscribedCharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("集計用の回答")
        verbose_name_plural = _("集計用の回答")
        indexes = [models.Index(fields=["survey", "question"], name="participation_answer_q")]
