"""まとめて来庁 pages (resident): choose a day and an itinerary across the counters, book it
all at once, read it, download its .ics, cancel it (``itinerary.py`` holds the rules)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from madoguchi.core.errors import LoginRequired
from madoguchi.reservations.services import BookingError

from . import itinerary
from .models import VisitPlan
from .views import _answered, _published, _query


def _day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return None


def _time(value) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value or "")
    except ValueError:
        return None


def _checklist(request, slug):
    guide = _published(slug)
    form, result, lang = _answered(request, guide)
    if result is None:
        return guide, None, None, lang, None
    data = request.GET if request.method == "GET" else request.POST
    done = [k for k in data.getlist("done") if k]  # from a saved checklist: ticked off, not visited
    for step in result.steps:
        step.done = step.key in done
    query = {**_query(form, lang), "done": done}
    return guide, form, result, lang, query


def plan_page(request, slug, *, error: str = "", status: int = 200):
    guide, form, result, lang, query = _checklist(request, slug)
    if result is None:
        return redirect(f"{reverse('guide:detail', args=[slug])}?{urlencode({'lang': lang})}")
    data = request.GET if request.method == "GET" else request.POST
    p = itinerary.plan(result)
    days = itinerary.days(p)
    day = _day(data.get("day"))
    if day is None or not any(d["date"] == day and not d["closed"] for d in days):
        # The first open day that still has a way round (today's slots may all be past or taken).
        open_days = [d["date"] for d in days if not d["closed"]]
        day = next((d for d in open_days[:10] if itinerary.itineraries(p, d)), open_days[0] if open_days else None)
    options = itinerary.itineraries(p, day) if day else []
    return render(
        request,
        "guide/plan.html",
        {
            "guide": guide,
            "checklist": result,
            "plan": p,
            "days": days,
            "day": day,
            "options": options,
            "chosen": _time(data.get("start")),
            "share": data.get("share") == "1",
            "query": query,
            "query_string": urlencode(query, doseq=True),
            "error": error,
            "lang": lang,
        },
        status=status,
    )


@require_POST
def plan_book(request, slug):
    if not request.user.is_authenticated:
        raise LoginRequired()
    guide, form, result, lang, query = _checklist(request, slug)
    if result is None:
        return redirect(f"{reverse('guide:detail', args=[slug])}?{urlencode({'lang': lang})}")
    day, start = _day(request.POST.get("day")), _time(request.POST.get("start"))
    if day is None or start is None:
        return plan_page(request, slug, error="回る時間を一覧から選んでください。", status=400)
    req = itinerary.PlanRequest(
        guide=guide,
        checklist=result,
        answers=form.answers(),
        event_date=form.cleaned_data["date"],
        language=lang,
        day=day,
        start=start,
        share=request.POST.get("share") == "1",
    )
    try:
        visit_plan = itinerary.book(request.user, req)
    except BookingError as exc:
        return plan_page(request, slug, error=exc.message, status=409)
    messages.success(request, f"来庁の予約をまとめて取りました（まとめ予約の番号 {visit_plan.code}）。確認のメールをお送りします。")
    return redirect("guide:plan_detail", visit_plan.code)


def _mine(request, code) -> VisitPlan:
    if not request.user.is_authenticated:
        raise LoginRequired()
    return get_object_or_404(VisitPlan.objects.select_related("guide", "version"), code=code, user=request.user)


def plan_detail(request, code):
    visit_plan = _mine(request, code)
    rows = itinerary.rows(visit_plan)
    return render(
        request,
        "guide/plan_detail.html",
        {"visit_plan": visit_plan, "rows": rows, "bring": itinerary.bring(rows), "title": itinerary.title(visit_plan)},
    )


def plan_ics(request, code):
    visit_plan = _mine(request, code)
    if visit_plan.status != VisitPlan.Status.BOOKED:
        raise Http404
    response = HttpResponse(itinerary.ics(visit_plan), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="visit-{visit_plan.code}.ics"'
    return response


@require_POST
def plan_cancel(request, code):
    visit_plan = _mine(request, code)
    try:
        itinerary.cancel(visit_plan, request.user)
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "まとめて取った来庁の予約を、すべて取り消しました。")
    return redirect("guide:plan_detail", code)
