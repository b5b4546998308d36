"""Survey pages (アンケート): the intro, the invitation-code entry, the questions page by page
(saved as a draft on every page: 一時保存・再開), the confirmation, the results (+ CSV/XLSX),
the published draw; and the staff pages (define, register extract, draw, letters, paper answers,
results). Thin: rules are in surveys.py, sampling.py and survey_results.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.core import audit, ratelimit
from madoguchi.core.errors import LoginRequired
from madoguchi.core.models import AuditLog
from madoguchi.core.permissions import can, refuse, scope
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import int_param

from . import conf, sampling, survey_results, surveys
from .survey_forms import SurveyForm
from .survey_models import Survey, SurveyInvitation, SurveyResponse
from .views import _sections, _signed_in_limit

COOKIE_SALT = "participation.survey"
SESSION_INVITES = "participation_survey_invites"


def _cookie(survey: Survey) -> str:
    return f"survey_{survey.pk}"


def _public(pk: int) -> Survey:
    return get_object_or_404(Survey.objects.select_related("section"), pk=pk, is_published=True)


def _respondent(request, survey: Survey, *, create: bool = False) -> surveys.Respondent | None:
    """Who is answering, or None when they may not (yet): invited surveys need a code in the
    session, signed-in ones an account; open ones use the account or a signed browser cookie."""
    if survey.audience == Survey.Audience.INVITED:
        invitation_id = (request.session.get(SESSION_INVITES) or {}).get(str(survey.pk))
        invitation = SurveyInvitation.objects.filter(pk=invitation_id, survey=survey).first() if invitation_id else None
        return surveys.Respondent(invitation=invitation) if invitation else None
    if request.user.is_authenticated:
        return surveys.Respondent(user=request.user)
    if survey.audience == Survey.Audience.SIGNED_IN:
        return None
    try:
        key = request.get_signed_cookie(_cookie(survey), salt=COOKIE_SALT)
    except (KeyError, BadSignature):
        key = ""
    if len(key) > 40:
        key = ""  # not one of ours (the column holds 40)
    if not key and create:
        key = surveys.new_browser_key()
        request._survey_new_cookie = key  # set on the answer by _with_cookie
    return surveys.Respondent(browser_key=key) if key else None


def _with_cookie(request, survey: Survey, response):
    key = getattr(request, "_survey_new_cookie", "")
    if key:
        response.set_signed_cookie(
            _cookie(survey),
            key,
            salt=COOKIE_SALT,
            max_age=conf.survey_cookie_days() * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
            path=reverse("participation:survey_detail", args=[survey.pk]),
        )
    return response


def survey_list(request):
    published = Survey.objects.filter(is_published=True).select_related("section")
    return render(
        request, "participation/survey_list.html", {"surveys": [s for s in published if s.is_open()], "results": published.filter(results_public=True)}
    )


def survey_detail(request, pk: int):
    survey = _public(pk)
    who = _respondent(request, survey)
    response = surveys.find_response(survey, who) if who else None
    context = {"s": survey, "is_open": survey.is_open(), "response": response, "needs_code": survey.audience == Survey.Audience.INVITED and who is None}
    return render(request, "participation/survey_detail.html", context)


def survey_code(request, pk: int):
    """招待コードの入力: the letter's code (typed or from its QR code) opens the survey."""
    survey = _public(pk)
    if survey.audience != Survey.Audience.INVITED:
        return redirect("participation:survey_detail", pk=survey.pk)
    error = ""
    code = request.POST.get("code", "") if request.method == "POST" else request.GET.get("code", "")
    if request.method == "POST":
        invitation = surveys.invitation_for_code(survey, code)
        if invitation is None:
            error = "招待コードが見つかりません。案内状に書かれた12文字のコードを、もう一度確かめて入力してください。"
        else:
            invites = dict(request.session.get(SESSION_INVITES) or {})
            invites[str(survey.pk)] = invitation.pk
            request.session[SESSION_INVITES] = invites
            return redirect("participation:survey_answer", pk=survey.pk)
    return render(request, "participation/survey_code.html", {"s": survey, "code": code, "error": error}, status=400 if error else 200)


def _page_index(request, eng, response) -> int:
    index = int_param(request.POST.get("page") if request.method == "POST" else request.GET.get("page"))
    if index is None:
        index = min(response.page, len(eng.pages) - 1) if response else 0
    return max(0, min(index, len(eng.pages) - 1))


def survey_answer(request, pk: int):
    survey = _public(pk)
    if not survey.is_open():
        return render(request, "participation/survey_detail.html", {"s": survey, "is_open": False})
    who = _respondent(request, survey, create=True)
    if who is None:
        if survey.audience == Survey.Audience.SIGNED_IN:
            raise LoginRequired
        return redirect("participation:survey_code", pk=survey.pk)
    eng = surveys.engine(survey)
    if not eng.pages:
        raise Http404
    response = surveys.find_response(survey, who)
    if response is not None and response.submitted_at is not None:
        return redirect("participation:survey_done", pk=survey.pk)
    index = _page_index(request, eng, response)
    errors: dict = {}
    answers = response.answers if response else {}
    if request.method == "POST":
        block = _signed_in_limit(request)
        if block:
            return ratelimit.too_many_requests(request, block, ratelimit.request_message(block, "回答"))
        try:
            result, response = surveys.save_page(survey, who, index, request.POST, request=request)
        except surveys.AlreadySubmitted:  # only a submitted response leads to the done page
            return redirect("participation:survey_done", pk=survey.pk)
        answers, action = result.answers, request.POST.get("action", "next")
        if action == "back":
            return _with_cookie(request, survey, redirect(reverse("participation:survey_answer", args=[survey.pk]) + f"?page={max(index - 1, 0)}"))
        if action == "save":
            messages.success(request, "ここまでの回答を一時保存しました。同じブラウザ（招待コードの場合は同じコード）で、続きから回答できます。")
            return _with_cookie(request, survey, redirect("participation:survey_detail", pk=survey.pk))
        if result.is_valid:
            if index + 1 < len(eng.pages):
                return _with_cookie(request, survey, redirect(reverse("participation:survey_answer", args=[survey.pk]) + f"?page={index + 1}"))
            return _with_cookie(request, survey, redirect("participation:survey_confirm", pk=survey.pk))
        errors = result.errors
    context = {
        "s": survey,
        "page": eng.pages[index],
        "index": index,
        "count": len(eng.pages),
        "fields_html": eng.render_page(request, index, answers, errors),
        "has_errors": bool(errors),
    }
    return _with_cookie(request, survey, render(request, "participation/survey_answer.html", context, status=400 if errors else 200))


NO_DRAFT_HELP = (
    "このブラウザのCookieが無効になっているか、別のブラウザ・別のタブで回答を始めた可能性があります。お手数ですが、「回答する」からもう一度回答してください。"
)


def _not_sent(request, survey: Survey, message: str, *, status: int = 400):
    """A refused 送信 answers with a page that says so (never a redirect a client could take for
    success); the draft and its answers stay as they were."""
    context = {"s": survey, "is_open": survey.is_open(), "not_sent": message}
    return render(request, "participation/survey_detail.html", context, status=status)


def survey_confirm(request, pk: int):
    survey = _public(pk)
    who = _respondent(request, survey)
    response = surveys.find_response(survey, who) if who else None
    if response is None:
        if request.method == "POST":
            return _not_sent(request, survey, f"{surveys.NO_DRAFT}{NO_DRAFT_HELP}")
        return redirect("participation:survey_detail", pk=survey.pk)
    if response.submitted_at is not None:  # a repeated 送信 (double click, retry) is the same success
        return redirect("participation:survey_done", pk=survey.pk)
    eng = surveys.engine(survey)
    if request.method == "POST":
        block = _signed_in_limit(request)
        if block:
            message = ratelimit.request_message(block, "回答") + "回答は送信されていませんが、入力した内容は一時保存されています。"
            return ratelimit.too_many_requests(request, block, message)
        try:
            surveys.submit(survey, who, request=request)
        except surveys.NoDraft:
            return _not_sent(request, survey, f"{surveys.NO_DRAFT}{NO_DRAFT_HELP}")
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                page = eng.first_page_with_errors(exc.message_dict) or 0
                messages.error(request, "回答は送信されていません。表示された設問を確かめて、もう一度「この内容で回答する」を押してください。")
                return redirect(reverse("participation:survey_answer", args=[survey.pk]) + f"?page={page}")
            return _not_sent(request, survey, f"{exc.messages[0]}回答は送信されていません。")
        return redirect("participation:survey_done", pk=survey.pk)
    return render(request, "participation/survey_confirm.html", {"s": survey, "rows": eng.summary(response.answers), "last_page": len(eng.pages) - 1})


def survey_done(request, pk: int):
    """完了: only for a respondent whose response is submitted; a draft goes back to 確認 with a
    notice, so the thanks page never stands in front of an unsent answer."""
    survey = _public(pk)
    who = _respondent(request, survey)
    response = surveys.find_response(survey, who) if who else None
    if response is None or response.submitted_at is None:
        if response is not None:
            messages.warning(request, "回答はまだ送信されていません。内容を確かめて「この内容で回答する」を押してください。")
            return redirect("participation:survey_confirm", pk=survey.pk)
        return redirect("participation:survey_detail", pk=survey.pk)
    return render(request, "participation/survey_done.html", {"s": survey})


def _public_results(pk: int) -> Survey:
    survey = _public(pk)
    if not survey.results_public:
        raise Http404
    return survey


def survey_results_page(request, pk: int):
    survey = _public_results(pk)
    results = survey_results.compute(survey, texts=0)  # free text is listed to staff only
    return render(request, "participation/survey_results.html", {"s": survey, "r": results, "staff_view": False})


def _export(results, fmt: str, name: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "xlsx":
        content, kind = survey_results.export_xlsx(results), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, kind = survey_results.export_csv(results), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def survey_results_export(request, pk: int, fmt: str):
    survey = _public_results(pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return _export(survey_results.compute(survey, texts=0), fmt, f"survey-{survey.pk}-results")


def survey_draw(request, pk: int):
    """The published draw: commitment (before), then digest, seed and secret (after)."""
    survey = _public(pk)
    if survey.audience != Survey.Audience.INVITED:
        raise Http404
    return render(request, "participation/survey_draw.html", {"s": survey})


# --- staff ---------------------------------------------------------------------------------------


def _staff_survey(request, pk: int, action: str = "view") -> Survey:
    survey = get_object_or_404(Survey.objects.select_related("section"), pk=pk)
    if not can(request.user, action, survey):
        raise Http404
    return survey


@staff_required
def staff_surveys(request):
    qs = scope(request.user, Survey.objects.select_related("section")).annotate(n=Count("responses", filter=Q(responses__submitted_at__isnull=False)))
    return render(request, "participation/staff_surveys.html", {"surveys": qs})


@staff_required
def staff_survey_edit(request, pk: int | None = None):
    survey = _staff_survey(request, pk, "change") if pk else Survey()
    if not pk and not can(request.user, "change"):
        return refuse(request, "アンケートを作成できるのは、担当課の職員です。", "participation:staff_surveys")
    initial = {"plan_item_ids": ", ".join(str(i) for i in survey.plan_links.values_list("plan_item_id", flat=True))} if pk else {}
    form = SurveyForm(request.POST or None, instance=survey, initial=initial, sections=_sections(request))
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        try:
            surveys.save_survey(obj, plan_item_ids=form.cleaned_data["plan_item_list"], staff=request.user, request=request)
        except ValidationError as exc:
            for message in exc.message_dict.get("schema", exc.messages):
                form.add_error("schema_text", message)
        else:
            messages.success(request, "アンケートを保存しました。")
            return redirect("participation:staff_survey", pk=obj.pk)
    return render(request, "participation/staff_survey_edit.html", {"form": form, "s": survey if pk else None})


@staff_required
def staff_survey(request, pk: int):
    survey = _staff_survey(request, pk)
    responses = SurveyResponse.objects.filter(survey=survey)
    context = {
        "s": survey,
        "submitted": responses.filter(submitted_at__isnull=False).count(),
        "paper": responses.filter(channel=SurveyResponse.Channel.PAPER).count(),
        "drafts": responses.filter(submitted_at__isnull=True).count(),
        "register_rows": survey.register.count(),
        "invitations": survey.invitations.count(),
        "used": survey.invitations.filter(used_at__isnull=False).count(),
        "can_change": can(request.user, "change", survey),
    }
    return render(request, "participation/staff_survey.html", context)


@staff_required
@require_POST
def staff_survey_register(request, pk: int):
    survey = _staff_survey(request, pk, "change")
    action = request.POST.get("action", "")
    try:
        if action == "upload":
            upload = request.FILES.get("register")
            if upload is None:
                raise ValidationError("名簿のCSVファイルを選んでください。")
            n = sampling.load_register(survey, upload, staff=request.user, request=request)
            messages.success(request, f"名簿を{n:,}人分取り込みました。")
        elif action == "draw":
            drawn = sampling.draw_sample(survey, staff=request.user, request=request)
            messages.success(request, f"{len(drawn):,}人を抽出しました。案内状を印刷してください。")
        elif action == "purge":
            sampling.purge_register(survey, staff=request.user, request=request)
            messages.success(request, "名簿を削除しました。抽出した方の招待コードだけが残ります。")
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("participation:staff_survey", pk=survey.pk)


@staff_required
def staff_survey_letters(request, pk: int):
    survey = _staff_survey(request, pk, "change")
    try:
        pdf = sampling.letters_pdf(survey, staff=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("participation:staff_survey", pk=survey.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-letters.pdf"'
    return response


@staff_required
def staff_survey_paper(request, pk: int):
    """紙の回答の入力: every page of the questionnaire on one screen, optionally with the code."""
    survey = _staff_survey(request, pk, "change")
    eng = surveys.engine(survey, transcribed=True)
    errors: dict = {}
    code_error = ""
    if request.method == "POST":
        invitation = None
        code = request.POST.get("invitation_code", "").strip()
        if code:
            invitation = surveys.invitation_for_code(survey, code)
            if invitation is None:
                code_error = "招待コードが見つかりません。案内状のコードを確かめてください（コードがない用紙は空欄のまま）。"
        if not code_error:
            response, errors = surveys.enter_paper(survey, request.POST, invitation=invitation, staff=request.user, request=request)
            if response is not None:
                messages.success(request, f"紙の回答を登録しました（回答 {response.pk}）。")
                return redirect("participation:staff_survey_paper", pk=survey.pk)
            if "__all__" in errors:
                code_error = errors.pop("__all__")[0]
    typed = _typed(eng, request) if request.method == "POST" else {}
    pages = [{"title": p.title, "html": eng.render_page(request, p.index, typed, errors)} for p in eng.pages]
    context = {"s": survey, "pages": pages, "code_error": code_error, "code": request.POST.get("invitation_code", "")}
    return render(request, "participation/staff_survey_paper.html", context, status=400 if (errors or code_error) else 200)


def _typed(eng, request) -> dict:
    """What staff typed, put back after an error (nothing lost)."""
    answers: dict = {}
    for page in eng.pages:
        answers = eng.validate_page(page.index, request.POST, None, answers).answers
    return answers


@staff_required
def staff_survey_results(request, pk: int):
    survey = _staff_survey(request, pk)
    results = survey_results.compute(survey)
    audit.record(AuditLog.Action.VIEW, survey, request=request, detail={"results": True})
    return render(request, "participation/survey_results.html", {"s": survey, "r": results, "staff_view": True})


@staff_required
def staff_survey_export(request, pk: int, fmt: str):
    survey = _staff_survey(request, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    audit.record(AuditLog.Action.EXPORT, survey, request=request, detail={"results": fmt})
    return _export(survey_results.compute(survey, texts=None), fmt, f"survey-{survey.pk}-results")
