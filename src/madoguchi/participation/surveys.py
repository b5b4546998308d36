"""Survey rules (アンケート): saving a survey, answering it page by page (save and resume), one
response per account / invitation code / browser, paper answers entered by staff, and the
flattening of a submitted response into ``SurveyAnswer`` rows that results count in SQL.

The register extract, the published-seed draw and the invitation letters are in ``sampling``;
results in ``survey_results``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from madoguchi.core import audit
from madoguchi.core.models import AuditLog
from madoguchi.forms.engine import FormEngine
from madoguchi.forms.schema import schema_errors

from .survey_models import Survey, SurveyAnswer, SurveyInvitation, SurveyPlanItem, SurveyResponse

ANSWERED = "*"  # SurveyAnswer.value meaning "this question was answered" (multiple choice)
# Types whose answers are counted by choice; the others (text, textarea …) are listed as text.
COUNTED_TYPES = {"radio", "select", "likert", "checkboxes", "matrix", "ranking"}
TEXT_TYPES = {"text", "textarea"}


def engine(survey: Survey, *, transcribed: bool = False) -> FormEngine:
    return FormEngine(None, schema=survey.schema or {}, allows_my_number=False, transcribed=transcribed)


# --- staff: the survey itself ---------------------------------------------------------------------


def survey_problems(survey: Survey) -> list[str]:
    """Why this definition cannot be saved (Japanese), e.g. a broken show_if or matrix."""
    problems = schema_errors(survey.schema, allows_my_number=False)
    if problems:
        return problems
    fields = engine(survey).fields
    for name, key in (("年齢区分", survey.age_question), ("地区", survey.area_question), ("その他の属性", survey.extra_question)):
        if key and key in fields and fields[key].type not in ("radio", "select", "likert"):
            problems.append(f"{name}の設問「{key}」は、1つだけ選ぶ設問（radio・select）にしてください。")
    if survey.starts_on and survey.ends_on and survey.starts_on > survey.ends_on:
        problems.append("回答締切日は回答開始日より後にしてください。")
    if survey.audience == Survey.Audience.INVITED and survey.sample_size <= 0:
        problems.append("無作為抽出のアンケートでは、抽出する人数を1人以上にしてください。")
    return problems


def save_survey(survey: Survey, *, plan_item_ids: list[int], staff, request=None) -> Survey:
    """Save the survey and its plan item links. An invited survey commits to its draw's secret
    now (``core.draw.commitment``), before any register is uploaded, so nobody can choose it."""
    from madoguchi.core import draw

    problems = survey_problems(survey)
    if problems:
        raise ValidationError({"schema": problems})
    is_new = survey.pk is None
    if survey.audience == Survey.Audience.INVITED and not survey.draw_commitment:
        survey.draw_secret = draw.new_secret()
        survey.draw_commitment = draw.commitment(survey.draw_secret)
    with transaction.atomic():
        survey.save()
        SurveyPlanItem.objects.filter(survey=survey).exclude(plan_item_id__in=plan_item_ids).delete()
        for item_id in plan_item_ids:
            SurveyPlanItem.objects.get_or_create(survey=survey, municipality_id=survey.municipality_id, plan_item_id=item_id)
        audit.record(AuditLog.Action.CREATE if is_new else AuditLog.Action.UPDATE, survey, request=request, actor=staff)
    return survey


def surveys_for_item(plan_item_id: int):
    """Published surveys linked to a plan item (as ``services.consultations_for_item``)."""
    return Survey.objects.filter(plan_links__plan_item_id=plan_item_id, is_published=True)


# --- residents: answering -----------------------------------------------------------------------


@dataclass(frozen=True)
class Respondent:
    """Who answers: an account, an invitation (code) or a browser (signed cookie key)."""

    user: object = None
    invitation: SurveyInvitation | None = None
    browser_key: str = ""

    def lookup(self) -> dict:
        if self.invitation is not None:
            return {"invitation": self.invitation}
        if self.user is not None:
            return {"user": self.user}
        if self.browser_key:
            return {"browser_key": self.browser_key}
        raise ValueError("a respondent needs an account, an invitation or a browser key")


BROWSER_KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
BROWSER_KEY_LENGTH = 28  # 26^28 ≈ 2^131


def new_browser_key() -> str:
    """The key an open survey's signed cookie carries (one response per browser). Letters only,
    so that nothing on the way (a column, a log, an export) ever takes it for a マイナンバー: the
    column was Transcribed, which masks a run of 12 digits with a valid check digit on save, and a
    ``uuid4().hex`` holds one in about 1 key of 800 — the draft was then stored under
    「…[個人番号]…」, the confirmation found nothing under the cookie's key and the response stayed
    a draft (the benchmark's 3 "lost" of 2,000; README, Benchmark). The column is now plain."""
    import secrets

    return "".join(secrets.choice(BROWSER_KEY_ALPHABET) for _ in range(BROWSER_KEY_LENGTH))


def find_response(survey: Survey, who: Respondent) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(survey=survey, **who.lookup()).first()


def _draft(survey: Survey, who: Respondent) -> SurveyResponse:
    """The respondent's response, created on the first save (the unique constraints decide a race)."""
    response = find_response(survey, who)
    if response is not None:
        return response
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(survey=survey, municipality_id=survey.municipality_id, **who.lookup())
    except IntegrityError:
        return SurveyResponse.objects.get(survey=survey, **who.lookup())


ALREADY_ANSWERED = "このアンケートにはすでに回答いただいています。回答は1回だけです。"
NO_DRAFT = "回答の途中の内容が見つかりませんでした。回答は送信されていません。"
CLOSED = "このアンケートは回答の受付期間外です。"


class AlreadySubmitted(ValidationError):
    """This respondent's response is already submitted (a page saved after 送信)."""

    def __init__(self):
        super().__init__(ALREADY_ANSWERED)


class NoDraft(ValidationError):
    """Nothing to submit for this respondent (no draft under its account, code or browser key)."""

    def __init__(self):
        super().__init__(NO_DRAFT)


def save_page(survey: Survey, who: Respondent, index: int, data, *, request=None):
    """Validate page ``index`` and store what was typed as the draft (一時保存, also with errors:
    nothing is lost). Returns (PageResult, response)."""
    eng = engine(survey)
    response = find_response(survey, who)
    if response is not None and response.submitted_at is not None:
        raise AlreadySubmitted()
    result = eng.validate_page(index, data, None, response.answers if response else {}, owner=request)
    response = response or _draft(survey, who)
    response.answers = result.answers
    if result.is_valid:
        response.page = max(response.page, min(index + 1, len(eng.pages)))
    SurveyResponse.objects.filter(pk=response.pk, submitted_at__isnull=True).update(answers=response.answers, page=response.page, updated_at=timezone.now())
    return result, response


def _attributes(survey: Survey, answers: dict, invitation: SurveyInvitation | None) -> tuple[str, str, str]:
    """(age group, area, other attribute): from the register through the invitation when there
    is one (the letter went to a person whose age and area are known), else from the answers."""
    age = invitation.age_group if invitation and invitation.age_group else str(answers.get(survey.age_question, "") if survey.age_question else "")
    area = invitation.area if invitation and invitation.area else str(answers.get(survey.area_question, "") if survey.area_question else "")
    extra = str(answers.get(survey.extra_question, "")) if survey.extra_question else ""
    return age[:50], area[:100], extra[:100]


def flatten(survey: Survey, eng: FormEngine, response: SurveyResponse) -> list[SurveyAnswer]:
    """The rows results count (see ``SurveyAnswer``)."""
    rows: list[SurveyAnswer] = []
    common = {
        "survey_id": survey.pk,
        "response_id": response.pk,
        "municipality_id": survey.municipality_id,
        "age_group": response.age_group,
        "area": response.area,
        "extra": response.extra,
    }
    for f in eng.fields.values():
        value = response.answers.get(f.key)
        if value in (None, "", [], {}):
            continue
        if f.type in ("radio", "select", "likert"):
            rows.append(SurveyAnswer(question=f.key, value=str(value)[:120], **common))
        elif f.type == "checkboxes":
            rows.append(SurveyAnswer(question=f.key, value=ANSWERED, **common))
            rows.extend(SurveyAnswer(question=f.key, value=str(v)[:120], **common) for v in value)
        elif f.type == "matrix":
            rows.extend(SurveyAnswer(question=f.key, value=f"{row}:{col}"[:120], **common) for row, col in value.items())
        elif f.type == "ranking":
            rows.extend(SurveyAnswer(question=f.key, value=f"{item}:{rank}"[:120], **common) for rank, item in enumerate(value, start=1))
        elif f.type in TEXT_TYPES:
            rows.append(SurveyAnswer(question=f.key, value="", text=str(value), **common))
    return rows


def submit(survey: Survey, who: Respondent, *, request=None) -> SurveyResponse:
    """Check every visible question, then store the response once (送信). Idempotent: a second
    submit of the same account, code or browser (a double click, a retry after a timeout, two
    tabs) waits for the first on the row lock and returns the submitted response unchanged. A
    refused submit (period over, an answer no longer valid, no draft) raises and leaves the draft
    and its answers as they were."""
    eng = engine(survey)
    with transaction.atomic():
        response = SurveyResponse.objects.select_for_update().filter(survey=survey, **who.lookup()).first()
        if response is None:
            raise NoDraft()
        if response.submitted_at is not None:
            return response
        if not survey.is_open():
            raise ValidationError(CLOSED)
        cleaned, errors = eng.clean_all(response.answers)
        if errors:
            raise ValidationError({key: messages for key, messages in errors.items()})
        _finish(survey, eng, response, cleaned, who.invitation)
    return response


def _finish(survey, eng, response, cleaned, invitation) -> None:
    response.answers = cleaned
    response.age_group, response.area, response.extra = _attributes(survey, cleaned, invitation)
    response.submitted_at = timezone.now()
    response.save()
    SurveyAnswer.objects.bulk_create(flatten(survey, eng, response))
    if invitation is not None:
        SurveyInvitation.objects.filter(pk=invitation.pk).update(used_at=response.submitted_at)


def enter_paper(survey: Survey, data, *, invitation: SurveyInvitation | None, staff, request=None) -> tuple[SurveyResponse | None, dict]:
    """A paper questionnaire typed in by staff (紙の回答): the same questions, the same results.
    A マイナンバー written on paper is masked, never a reason to refuse. With the letter's code the
    invitation counts as answered (and cannot answer online again). Returns (response, errors)."""
    eng = engine(survey, transcribed=True)
    answers: dict = {}
    errors: dict = {}
    for page in eng.pages:
        result = eng.validate_page(page.index, data, None, answers, owner=request)
        answers = result.answers
        errors.update(result.errors)
    if errors:
        return None, errors
    cleaned, errors = eng.clean_all(answers)
    if errors:
        return None, errors
    with transaction.atomic():
        if invitation is not None:
            invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
            existing = SurveyResponse.objects.filter(invitation=invitation).first()
            if existing is not None and existing.submitted_at is not None:
                return None, {"__all__": [ALREADY_ANSWERED]}
            if existing is not None:
                existing.delete()  # an unfinished online draft gives way to the paper answer
        response = SurveyResponse.objects.create(
            survey=survey, municipality_id=survey.municipality_id, invitation=invitation, channel=SurveyResponse.Channel.PAPER
        )
        _finish(survey, eng, response, cleaned, invitation)
        audit.record(AuditLog.Action.CREATE, response, request=request, actor=staff, detail={"channel": "paper"})
    return response, {}


def invitation_for_code(survey: Survey, code: str) -> SurveyInvitation | None:
    code = normalise_code(code)
    if not code:
        return None
    return SurveyInvitation.objects.filter(survey=survey, code=code).first()


def normalise_code(code: str) -> str:
    """Codes are typed from paper: full-width, lower case, spaces and hyphens are forgiven."""
    import unicodedata

    text = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in text if ch.isalnum())[:20]


# --- retention (保存期間) ---------------------------------------------------------------------------


def purge_responses(survey: Survey, *, staff=None, request=None) -> dict:
    """End the survey's hold on its respondents (保存期間の経過): unfinished drafts are deleted;
    submitted responses lose their account, invitation code and browser key and their stored
    answers; free texts are emptied. The counted choices (``SurveyAnswer`` values with the coarse
    age group and area) stay, so the results and the metric do not change. Audited as PURGE."""
    with transaction.atomic():
        drafts, _ = SurveyResponse.objects.filter(survey=survey, submitted_at__isnull=True).delete()
        unlinked = SurveyResponse.objects.filter(survey=survey).update(user=None, invitation=None, browser_key="", answers={})
        texts = SurveyAnswer.objects.filter(survey=survey).exclude(text="").update(text="")
        Survey.objects.filter(pk=survey.pk).update(responses_purged_at=timezone.now())
        detail = {"drafts": drafts, "responses": unlinked, "texts": texts, "retention_days": survey.retention_days}
        audit.record(AuditLog.Action.PURGE, survey, request=request, actor=staff, detail=detail)
    return detail


def purge_expired_responses(today=None) -> list[int]:
    """Every survey past ``ends_on + retention_days`` (every city: a periodic task)."""
    from madoguchi.core.tenancy import unscoped

    today = today or timezone.localdate()
    done = []
    with unscoped():
        for survey in Survey.objects.filter(responses_purged_at__isnull=True, ends_on__lt=today):
            if survey.purge_after < today:
                purge_responses(survey)
                done.append(survey.pk)
    return done
