"""Back office: a まとめて来庁 booking at the counter — find it by its code, read its procedures
and what the resident told, start each procedure's 書かない窓口 case prefilled
(``counter_prefill.py`` holds the rules and the audit)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from madoguchi.core.staff import staff_required

from . import counter_prefill


@staff_required
def staff_visits(request):
    code = (request.GET.get("code") or "").strip()
    error = ""
    if code:
        plan = counter_prefill.find(code)
        if plan is not None and counter_prefill.may_view(request.user, plan):
            return redirect("guide:staff_visit", plan.code)
        error = f"番号「{code}」のまとめて来庁の予約は、担当する窓口の予約に見つかりません。まとめ予約の番号か、窓口の予約番号を確かめてください。"
    return render(request, "guide/staff_visits.html", {"code": code, "error": error}, status=404 if error else 200)


def _plan(request, code):
    plan = counter_prefill.find(code)
    if plan is None or plan.code != code:
        raise Http404
    return plan


@staff_required
def staff_visit(request, code):
    plan = _plan(request, code)
    try:
        context = counter_prefill.view(plan, request.user, request=request)
    except PermissionDenied:
        raise Http404 from None
    return render(request, "guide/staff_visit.html", context)


@staff_required
@require_POST
def staff_visit_start(request, code, step):
    plan = _plan(request, code)
    try:
        case = counter_prefill.start_case(plan, step, request.user, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("guide:staff_visit", code)
    return redirect("applications:counter_fill", case.uuid, 0)
