"""Participation API (市民参加): public lists and details of published consultations, surveys
and visible proposals, the published 「提出意見と市の考え方」 and survey results; staff overviews
(their sections' consultations, the proposal queue, near-duplicate comment groups) through the
one staff auth. Answers carry no personal data: the public ones are the pages' own content
(``no_personal_data``), the staff ones counts and titles only. Thin: rules are in the services."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone
from ninja import Path, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from madoguchi.core.api_auth import staff_auth
from madoguchi.core.cachecontrol import no_personal_data
from madoguchi.core.links import absolute_url
from madoguchi.core.permissions import scope

from . import campaigns, services, survey_results
from .models import Consultation, Opinion, PersonalDataFlag, Proposal
from .survey_models import Survey

router = Router(tags=["participation"])
MAX_LIMIT = 200
ID = Path(..., ge=1, le=2_147_483_647)  # a larger number cannot be a row: 422, not a database overflow
LIMIT = Query(50, ge=1, le=MAX_LIMIT)


def _phase(row, today: dt.date) -> str:
    """upcoming / open / closed, for a consultation or survey period."""
    if today < row.starts_on:
        return "upcoming"
    return "open" if today <= row.ends_on else "closed"


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _not_found(what: str):
    return HttpError(404, f"{what}が見つかりません。公開されているものの番号を指定してください。")


# --- public: consultations ------------------------------------------------------------------------


class DraftSectionOut(Schema):
    number: str
    title: str
    body: str


class ConsultationOut(Schema):
    id: int
    title: str
    summary: str
    easy_summary: str
    starts_on: dt.date
    ends_on: dt.date
    phase: str  # upcoming / open / closed
    results_published: bool
    url: str
    results_url: str | None


class ConsultationDetailOut(ConsultationOut):
    sections: list[DraftSectionOut]


def _consultation(c: Consultation, today: dt.date) -> dict:
    published = c.results_published_at is not None
    return {
        "id": c.pk,
        "title": c.title,
        "summary": c.summary,
        "easy_summary": c.easy_summary,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "phase": _phase(c, today),
        "results_published": published,
        "url": absolute_url("participation:consultation_detail", c.pk),
        "results_url": absolute_url("participation:results", c.pk) if published else None,
    }


def _public_consultation(consultation_id: int) -> Consultation:
    c = Consultation.objects.filter(pk=consultation_id, is_published=True).first()
    if c is None:
        raise _not_found("意見公募")
    return c


@router.get("/consultations", response=list[ConsultationOut], auth=None)
@decorate_view(no_personal_data)
def list_consultations(request, phase: str = "", limit: int = LIMIT):
    """Published public comments (意見公募), newest period first; ``phase``: upcoming, open or closed."""
    today = timezone.localdate()
    rows = [_consultation(c, today) for c in Consultation.objects.filter(is_published=True).order_by("-starts_on", "-id")]
    if phase:
        if phase not in ("upcoming", "open", "closed"):
            raise HttpError(422, "phase は upcoming, open, closed のいずれかを指定してください。")
        rows = [r for r in rows if r["phase"] == phase]
    return rows[: _limit(limit)]


@router.get("/consultations/{consultation_id}", response=ConsultationDetailOut, auth=None)
@decorate_view(no_personal_data)
def get_consultation(request, consultation_id: int = ID):
    c = _public_consultation(consultation_id)
    out = _consultation(c, timezone.localdate())
    out["sections"] = [{"number": s.number, "title": s.title, "body": s.body} for s in c.draft_sections.all()]
    return out


class OpinionTextOut(Schema):
    text: str
    count: int  # how many sent this same text


class ResultRowOut(Schema):
    number: int
    section: str
    summary: str
    opinions: list[OpinionTextOut]
    count: int
    city_view: str


@router.get("/consultations/{consultation_id}/results", response=list[ResultRowOut], auth=None)
@decorate_view(no_personal_data)
def consultation_results(request, consultation_id: int = ID):
    """「提出意見と市の考え方」 once published (the same rows as the page, XLSX and PDF)."""
    c = _public_consultation(consultation_id)
    if c.results_published_at is None:
        raise HttpError(404, "この意見公募の結果（提出意見と市の考え方）はまだ公表されていません。")
    return [
        {
            "number": r.number,
            "section": r.section,
            "summary": r.summary,
            "opinions": [{"text": t, "count": n} for t, n in r.opinions],
            "count": r.count,
            "city_view": r.city_view,
        }
        for r in services.result_rows(c)
    ]


# --- public: surveys ----------------------------------------------------------------------------


class SurveyOut(Schema):
    id: int
    title: str
    description: str
    easy_description: str
    audience: str
    starts_on: dt.date
    ends_on: dt.date
    phase: str
    results_public: bool
    url: str
    results_url: str | None


def _survey(s: Survey, today: dt.date) -> dict:
    return {
        "id": s.pk,
        "title": s.title,
        "description": s.description,
        "easy_description": s.easy_description,
        "audience": s.audience,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "phase": _phase(s, today),
        "results_public": s.results_public,
        "url": absolute_url("participation:survey_detail", s.pk),
        "results_url": absolute_url("participation:survey_results", s.pk) if s.results_public else None,
    }


@router.get("/surveys", response=list[SurveyOut], auth=None)
@decorate_view(no_personal_data)
def list_surveys(request, limit: int = LIMIT):
    today = timezone.localdate()
    return [_survey(s, today) for s in Survey.objects.filter(is_published=True).order_by("-starts_on", "-id")[: _limit(limit)]]


class ChoiceOut(Schema):
    label: str
    count: int
    percent: float | None


class MatrixLineOut(Schema):
    line: str
    choices: list[ChoiceOut]


class QuestionOut(Schema):
    key: str
    label: str
    type: str
    respondents: int
    choices: list[ChoiceOut]
    lines: list[MatrixLineOut]
    mean: float | None


class SurveyResultsOut(Schema):
    survey: SurveyOut
    total: int
    indicative: bool  # an open survey: one response per browser, figures are 参考値
    questions: list[QuestionOut]


def _choices(rows) -> list[dict]:
    return [{"label": r.label, "count": r.count, "percent": r.percent} for r in rows]


@router.get("/surveys/{survey_id}/results", response=SurveyResultsOut, auth=None)
@decorate_view(no_personal_data)
def survey_results_api(request, survey_id: int = ID):
    """Totals per question (counts, %, likert mean, matrix and ranking lines) when staff made the
    results public; no free text (staff only) and no breakdowns (the CSV/XLSX carry them, suppressed)."""
    s = Survey.objects.filter(pk=survey_id, is_published=True, results_public=True).first()
    if s is None:
        raise HttpError(404, "このアンケートの集計結果は公開されていません。公開中のアンケートの番号を指定してください。")
    r = survey_results.compute(s, texts=0)
    questions = [
        {
            "key": q.key,
            "label": q.label,
            "type": q.type,
            "respondents": q.respondents,
            "choices": _choices(q.rows),
            "lines": [{"line": line, "choices": _choices(cells)} for line, cells in q.matrix],
            "mean": q.mean,
        }
        for q in r.questions
        if q.type != "textarea"
    ]
    return {"survey": _survey(s, timezone.localdate()), "total": r.total, "indicative": r.indicative, "questions": questions}


# --- public: proposals --------------------------------------------------------------------------


class ProposalOut(Schema):
    id: int
    title: str
    body: str
    status: str
    outcome: str
    answer: str
    easy_answer: str
    supports: int
    created_at: dt.datetime
    answered_at: dt.datetime | None
    url: str


class CommentOut(Schema):
    id: int
    parent_id: int | None
    body: str  # "" when hidden
    hidden_reason: str
    created_at: dt.datetime


class ProposalDetailOut(ProposalOut):
    comments: list[CommentOut]


def _proposal(p: Proposal) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "body": p.body,
        "status": p.status,
        "outcome": p.outcome,
        "answer": p.answer,
        "easy_answer": p.easy_answer,
        "supports": p.supports_count,
        "created_at": p.created_at,
        "answered_at": p.answered_at,
        "url": absolute_url("participation:proposal_detail", p.pk),
    }


@router.get("/proposals", response=list[ProposalOut], auth=None)
@decorate_view(no_personal_data)
def list_proposals(request, status: str = "", limit: int = LIMIT):
    """Visible proposals, newest first (a hidden one is left out); ``status``: open, queued, answered."""
    qs = Proposal.objects.filter(hidden_reason="").order_by("-created_at", "-id")
    if status:
        if status not in Proposal.Status.values:
            raise HttpError(422, "status は open, queued, answered のいずれかを指定してください。")
        qs = qs.filter(status=status)
    return [_proposal(p) for p in qs[: _limit(limit)]]


@router.get("/proposals/{proposal_id}", response=ProposalDetailOut, auth=None)
@decorate_view(no_personal_data)
def get_proposal(request, proposal_id: int = ID):
    p = Proposal.objects.filter(pk=proposal_id, hidden_reason="").first()
    if p is None:
        raise _not_found("提案")
    out = _proposal(p)
    out["comments"] = [
        {"id": c.pk, "parent_id": c.parent_id, "body": "" if c.hidden_reason else c.body, "hidden_reason": c.hidden_reason, "created_at": c.created_at}
        for c in p.comments.order_by("created_at", "id")
    ]
    return out


# --- staff (their sections only; counts and titles, no personal data) ------------------------------


class StaffConsultationOut(Schema):
    id: int
    title: str
    section: str
    phase: str
    opinions: int
    open_flags: int
    ungrouped: int
    results_published: bool
    publication_problems: list[str]


@router.get("/staff/consultations", response=list[StaffConsultationOut], auth=staff_auth)
def staff_consultations(request, limit: int = LIMIT):
    """The staff member's sections' consultations with what stands before publication."""
    today = timezone.localdate()
    qs = scope(request.user, Consultation.objects.select_related("section")).order_by("-starts_on", "-id")[: _limit(limit)]
    counts = {
        row["consultation_id"]: row
        for row in Opinion.objects.filter(consultation__in=[c.pk for c in qs])
        .values("consultation_id")
        .annotate(n=Count("id"), ungrouped=Count("id", filter=Q(group__isnull=True)))
    }
    flags = dict(
        PersonalDataFlag.objects.filter(opinion__consultation__in=[c.pk for c in qs], status=PersonalDataFlag.Status.OPEN)
        .values("opinion__consultation_id")
        .annotate(n=Count("id"))
        .values_list("opinion__consultation_id", "n")
    )
    return [
        {
            "id": c.pk,
            "title": c.title,
            "section": c.section.name,
            "phase": _phase(c, today),
            "opinions": counts.get(c.pk, {}).get("n", 0),
            "open_flags": flags.get(c.pk, 0),
            "ungrouped": counts.get(c.pk, {}).get("ungrouped", 0),
            "results_published": c.results_published_at is not None,
            "publication_problems": services.publication_problems(c),
        }
        for c in qs
    ]


class StaffProposalOut(Schema):
    id: int
    title: str
    section: str | None
    status: str
    outcome: str
    supports: int
    open_reports: int
    hidden: bool


@router.get("/staff/proposals", response=list[StaffProposalOut], auth=staff_auth)
def staff_proposals(request, queue: bool = False, limit: int = LIMIT):
    """The staff member's sections' proposals, newest first; ``queue=true``: those reaching the
    support threshold (担当課で確認中) or with an open report, i.e. the moderation queue."""
    qs = scope(request.user, Proposal.objects.select_related("section")).annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
    if queue:
        qs = qs.filter(Q(status=Proposal.Status.QUEUED) | Q(open_reports__gt=0))
    return [
        {
            "id": p.pk,
            "title": p.title,
            "section": p.section.name if p.section_id else None,
            "status": p.status,
            "outcome": p.outcome,
            "supports": p.supports_count,
            "open_reports": p.open_reports,
            "hidden": p.is_hidden,
        }
        for p in qs.order_by("-created_at", "-id")[: _limit(limit)]
    ]


class CampaignOut(Schema):
    id: int
    excerpt: str
    status: str
    comments: int
    accounts: int
    proposals: int
    first_at: dt.datetime
    last_at: dt.datetime


@router.get("/staff/comment-campaigns", response=list[CampaignOut], auth=staff_auth)
def staff_campaigns(request, status: str = "open", limit: int = LIMIT):
    """Groups of the same comment from several accounts (possible campaigns or spam) on the
    staff member's sections' proposals; ``status``: open, reviewed, hidden or all."""
    qs = campaigns.visible_campaigns(request.user)
    if status != "all":
        if status not in ("open", "reviewed", "hidden"):
            raise HttpError(422, "status は open, reviewed, hidden, all のいずれかを指定してください。")
        qs = qs.filter(status=status)
    return [
        {
            "id": c.pk,
            "excerpt": c.excerpt,
            "status": c.status,
            "comments": c.n_comments,
            "accounts": c.n_accounts,
            "proposals": c.n_proposals,
            "first_at": c.first_at,
            "last_at": c.last_at,
        }
        for c in qs.order_by("-last_at", "-id")[: _limit(limit)]
    ]
