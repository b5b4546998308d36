"""Public pages: the guides (questionnaire → checklist, PDF, email, save) and the FAQ."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from madoguchi.core import ratelimit
from madoguchi.core.errors import LoginRequired

from . import pdf, services, visit
from .forms import EmailForm, QuestionnaireForm
from .models import Faq, Guide, SavedChecklist

LANGUAGE_NAMES = [("ja", "日本語"), ("easy", "やさしい日本語"), ("en", "English")]


def language_of(request) -> str:
    lang = request.GET.get("lang") or request.POST.get("lang") or ""
    if lang in ("ja", "easy", "en"):
        return lang
    return "en" if getattr(request, "LANGUAGE_CODE", "ja") == "en" else "ja"


def _published(slug) -> Guide:
    return get_object_or_404(services.published_guides(), slug=slug)


def guide_list(request):
    lang = language_of(request)
    from . import definition

    guides = [
        (g, definition.text(g.published.definition.get("title"), lang)[0], definition.text(g.published.definition.get("intro"), lang)[0])
        for g in services.published_guides()
    ]
    return render(request, "guide/list.html", {"guides": guides, "lang": lang, "languages": LANGUAGE_NAMES})


def _questionnaire(request, guide: Guide, data=None):
    lang = language_of(request)
    return QuestionnaireForm(guide.published.definition, lang, data), lang


def guide_detail(request, slug):
    guide = _published(slug)
    form, lang = _questionnaire(request, guide)
    from . import definition

    defn = guide.published.definition
    return render(
        request,
        "guide/detail.html",
        {
            "guide": guide,
            "form": form,
            "lang": lang,
            "languages": LANGUAGE_NAMES,
            "title": definition.text(defn.get("title"), lang)[0],
            "intro": definition.text(defn.get("intro"), lang)[0],
            "faqs": guide.faqs.filter(is_published=True),
        },
    )


def _answered(request, guide):
    """The questionnaire read from the query string: (form, checklist or None, language)."""
    form, lang = _questionnaire(request, guide, request.GET if request.method == "GET" else request.POST)
    if not form.is_valid():
        return form, None, lang
    result = services.checklist(guide.published, form.answers(), event_date=form.cleaned_data["date"], language=lang)
    return form, result, lang


def _query(form, lang) -> dict:
    query = {f"q_{k}": v for k, v in form.answers().items()}
    if form.cleaned_data.get("date"):
        query["date"] = form.cleaned_data["date"].isoformat()
    query["lang"] = lang
    return query


def checklist(request, slug):
    guide = _published(slug)
    form, result, lang = _answered(request, guide)
    if result is None:
        from . import definition

        defn = guide.published.definition
        context = {"guide": guide, "form": form, "lang": lang, "languages": LANGUAGE_NAMES, "title": definition.text(defn.get("title"), lang)[0]}
        return render(request, "guide/detail.html", context, status=400)
    query = _query(form, lang)
    return render(
        request,
        "guide/checklist.html",
        {
            "guide": guide,
            "checklist": result,
            "lang": lang,
            "query": query,
            "query_string": urlencode(query),
            "email_form": EmailForm(),
            "faqs": guide.faqs.filter(is_published=True),
        },
    )


def checklist_pdf(request, slug):
    guide = _published(slug)
    form, result, lang = _answered(request, guide)
    if result is None:
        return redirect(f"{reverse('guide:detail', args=[slug])}?{urlencode({'lang': lang})}")
    response = HttpResponse(pdf.render(result, guide.municipality), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="guide-{guide.slug}.pdf"'
    return response


@require_POST
@ratelimit.limit_mail("email")
def checklist_email(request, slug):
    guide = _published(slug)
    form, result, lang = _answered(request, guide)
    email_form = EmailForm(request.POST)
    if result is None or not email_form.is_valid():
        query = _query(form, lang) if result is not None else {}
        context = {"guide": guide, "checklist": result, "lang": lang, "query": query, "query_string": urlencode(query), "email_form": email_form}
        if result is None:
            return redirect(f"{reverse('guide:detail', args=[slug])}?{urlencode({'lang': lang})}")
        return render(request, "guide/checklist.html", context, status=400)
    services.email_checklist(email_form.cleaned_data["email"], guide, result, _query(form, lang), lang)
    messages.success(request, "チェックリストをメールで送りました。届くまで数分かかることがあります。")
    return redirect(f"{reverse('guide:checklist', args=[slug])}?{urlencode(_query(form, lang))}")


@require_POST
def checklist_save(request, slug):
    guide = _published(slug)
    if not request.user.is_authenticated:
        raise LoginRequired()
    form, result, lang = _answered(request, guide)
    if result is None:
        return redirect(f"{reverse('guide:detail', args=[slug])}?{urlencode({'lang': lang})}")
    saved = services.save_checklist(request.user, guide, form.answers(), form.cleaned_data["date"], lang)
    messages.success(request, "チェックリストを保存しました。済んだ手続にしるしを付けられます。")
    return redirect("guide:my_detail", saved.pk)


def checklist_visit(request, slug):
    """一回の来庁: the checklist's in-person steps as ONE counter visit. The resident picks the
    counter (the first in visiting order by default) and the details to carry over; 「予約へ
    進む」 opens that counter's booking page (reservations) with its form filled in."""
    guide = _published(slug)
    form, result, lang = _answered(request, guide)
    if result is None:
        return redirect(f"{reverse('guide:detail', args=[slug])}?{urlencode({'lang': lang})}")
    from madoguchi.core.wareki import format_wareki

    query = _query(form, lang)
    # From a saved checklist: the steps ticked off (済み) are not part of the visit.
    done = [k for k in request.GET.getlist("done") if k]
    for step in result.steps:
        step.done = step.key in done
    booking = visit.plan(result, date_label=format_wareki(result.event_date) if result.event_date else "")
    # First display: only 持ち物 is carried over; answers about the person only when ticked.
    carry = set(request.GET.getlist("carry")) if request.GET.get("book") else {"bring"}
    error = ""
    if request.GET.get("book") and booking.bookable:
        try:
            counter = booking.counters[int(request.GET.get("counter", "0"))]
        except (ValueError, IndexError):
            error = "予約する窓口を一覧から選んでください。"
        else:
            text, left_out = visit.prefill(booking, result.title, carry)
            if left_out:
                messages.warning(request, "予約の内容に書ききれなかったことがあります。窓口でお伝えください: " + "、".join(left_out))
            url = visit.booking_url(counter.url, text)
            if not request.user.is_authenticated:  # booking needs an account: sign in, then the filled-in form
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': url})}")
            return redirect(url)
    return render(
        request,
        "guide/visit.html",
        {
            "guide": guide,
            "checklist": result,
            "booking": booking,
            "query": query,
            "query_string": urlencode({**query, "done": done}, doseq=True),
            "done": done,
            "carry": carry,
            "error": error,
            "lang": lang,
        },
        status=400 if error else 200,
    )


# --- the resident's saved checklists -------------------------------------------------------------


def my_list(request):
    if not request.user.is_authenticated:
        raise LoginRequired()
    rows = SavedChecklist.objects.filter(user=request.user).select_related("version", "guide")
    return render(request, "guide/my_list.html", {"rows": rows})


def _mine(request, pk) -> SavedChecklist:
    if not request.user.is_authenticated:
        raise LoginRequired()
    return get_object_or_404(SavedChecklist.objects.select_related("version", "guide"), pk=pk, user=request.user)


def my_detail(request, pk):
    saved = _mine(request, pk)
    result = services.saved_checklist(saved)
    query = {f"q_{k}": v for k, v in saved.answers.items()}
    if saved.event_date:
        query["date"] = saved.event_date.isoformat()
    query["lang"] = saved.language
    # The visit page leaves out what is done (the PDF ignores it).
    query["done"] = saved.done
    return render(request, "guide/my_detail.html", {"saved": saved, "checklist": result, "query_string": urlencode(query, doseq=True)})


@require_POST
def my_done(request, pk):
    saved = _mine(request, pk)
    try:
        services.set_done(saved, request.POST.get("step", ""), request.POST.get("done") == "1")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(f"{reverse('guide:my_detail', args=[pk])}#step-{request.POST.get('step', '')}")


@require_POST
def my_reminders(request, pk):
    saved = _mine(request, pk)
    saved.reminders = request.POST.get("reminders") == "1"
    saved.save(update_fields=["reminders", "updated_at"])
    if saved.reminders and not saved.event_date:
        messages.warning(request, "基準日がないため期限を計算できません。基準日を入れてチェックリストを作り直してください。")
    elif saved.reminders:
        messages.success(request, "期限が近づいたらメールでお知らせします。")
    else:
        messages.success(request, "期限のお知らせを止めました。")
    return redirect("guide:my_detail", pk)


@require_POST
def my_delete(request, pk):
    saved = _mine(request, pk)
    saved.delete()
    messages.success(request, "チェックリストを削除しました。")
    return redirect("guide:my_list")


# --- よくある質問 ----------------------------------------------------------------------------------


def faq_list(request):
    lang = language_of(request)
    rows = Faq.objects.filter(is_published=True).select_related("section").order_by("section__code", "section__name", "order", "id")
    sections = [(section, [(f, *f.localized(lang)) for f in items]) for section, items in groupby(rows, key=lambda f: f.section)]
    return render(request, "guide/faq_list.html", {"sections": sections, "lang": lang, "languages": LANGUAGE_NAMES})


def faq_detail(request, pk):
    lang = language_of(request)
    faq = get_object_or_404(Faq.objects.select_related("section"), pk=pk, is_published=True)
    question, answer, fell_back = faq.localized(lang)
    return render(
        request,
        "guide/faq_detail.html",
        {
            "faq": faq,
            "question": question,
            "answer": answer,
            "fell_back": fell_back,
            "lang": lang,
            "languages": LANGUAGE_NAMES,
            "procedures": faq.procedures.filter(is_published=True),
            "guides": faq.guides.filter(published__isnull=False),
        },
    )
