"""Proposal pages (提案): list, post (signed in, near-duplicate warning), detail with threaded
comments, support, report; staff queue and moderation. Thin: rules are in proposals.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from madoguchi.core import ratelimit
from madoguchi.core.errors import LoginRequired
from madoguchi.core.models import Municipality, Section
from madoguchi.core.permissions import can, scope
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form, int_param

from . import campaigns, proposals
from .forms import AnswerForm, CommentForm, PlanItemsForm, ProposalForm, ReasonForm
from .models import Proposal, Report
from .views import _signed_in_limit


def _limited(request):
    block = _signed_in_limit(request)
    if block:
        return ratelimit.too_many_requests(request, block, ratelimit.request_message(block, "投稿"))
    return None


def proposal_list(request):
    qs = Proposal.objects.order_by("-created_at")
    return render(request, "participation/proposal_list.html", {"proposals": qs[:100], "threshold": proposals.support_threshold(Municipality.current())})


def proposal_new(request):
    if not request.user.is_authenticated:
        raise LoginRequired
    form = ProposalForm(request.POST or None)
    similar = []
    if request.method == "POST":
        limited = _limited(request)
        if limited:
            return limited
        if form.is_valid():
            similar = proposals.similar_proposals(form.cleaned_data["title"], form.cleaned_data["body"])
            if similar and "post_anyway" not in request.POST:
                return render(request, "participation/proposal_new.html", {"form": form, "similar": similar})
            try:
                p = proposals.post_proposal(
                    title=form.cleaned_data["title"], body=form.cleaned_data["body"], author=request.user, municipality=Municipality.current()
                )
            except ValidationError as exc:
                add_to_form(form, exc, "title")
            else:
                messages.success(request, "提案を投稿しました。")
                return redirect("participation:proposal_detail", pk=p.pk)
    return render(request, "participation/proposal_new.html", {"form": form, "similar": similar})


def _thread(comments):
    children: dict = {}
    for c in comments:
        children.setdefault(c.parent_id, []).append(c)

    def walk(parent_id, depth):
        for c in children.get(parent_id, []):
            yield c, min(depth, 4)
            yield from walk(c.pk, depth + 1)

    return list(walk(None, 0))


def proposal_detail(request, pk: int):
    p = get_object_or_404(Proposal, pk=pk)
    supported = request.user.is_authenticated and p.supports.filter(user=request.user).exists()
    context = {
        "p": p,
        "thread": _thread(list(p.comments.all())),
        "supported": supported,
        "comment_form": CommentForm(),
        "report_form": ReasonForm(),
        "threshold": proposals.support_threshold(p.municipality),
    }
    return render(request, "participation/proposal_detail.html", context)


@require_POST
def proposal_support(request, pk: int):
    if not request.user.is_authenticated:
        raise LoginRequired
    limited = _limited(request)
    if limited:
        return limited
    p = get_object_or_404(Proposal, pk=pk)
    try:
        added = proposals.support(p, request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "賛同しました。" if added else "この提案にはすでに賛同しています。")
    return redirect("participation:proposal_detail", pk=pk)


@require_POST
def proposal_comment(request, pk: int):
    if not request.user.is_authenticated:
        raise LoginRequired
    limited = _limited(request)
    if limited:
        return limited
    p = get_object_or_404(Proposal, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            proposals.comment(p, body=form.cleaned_data["body"], author=request.user, parent_id=form.cleaned_data.get("parent"))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, "コメントを投稿しました。")
    else:
        for errors in form.errors.values():
            messages.error(request, "コメント: " + " ".join(errors))
    return redirect("participation:proposal_detail", pk=pk)


@require_POST
def proposal_report(request, pk: int):
    """通報: anyone may report (anonymous writes are limited by the middleware)."""
    limited = _limited(request)
    if limited:
        return limited
    p = get_object_or_404(Proposal, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        proposals.report(
            p,
            reason=form.cleaned_data["reason"],
            reporter=request.user if request.user.is_authenticated else None,
            comment_id=int_param(request.POST.get("comment")),
        )
        messages.success(request, "通報を受け付けました。担当職員が確認します。")
    else:
        messages.error(request, "通報の理由を入力してください（300文字以内）。")
    return redirect("participation:proposal_detail", pk=pk)


# --- staff --------------------------------------------------------------------------------------


@staff_required
def staff_proposals(request):
    qs = scope(request.user, Proposal.objects.select_related("section"))
    qs = qs.annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
    context = {
        "queued": qs.filter(status=Proposal.Status.QUEUED),
        "reported": qs.filter(open_reports__gt=0),
        "recent": qs.order_by("-created_at")[:50],
        "open_campaigns": campaigns.visible_campaigns(request.user).filter(status="open").count(),
    }
    return render(request, "participation/staff_proposals.html", context)


@staff_required
def staff_proposal(request, pk: int):
    p = get_object_or_404(Proposal.objects.select_related("section"), pk=pk)
    if not can(request.user, "view", p):
        raise Http404
    answer_form = AnswerForm(initial={"outcome": p.outcome or "considering", "answer": p.answer, "easy_answer": p.easy_answer})
    reason_form = ReasonForm()
    links = ", ".join(str(i) for i in p.plan_links.order_by("plan_item_id").values_list("plan_item_id", flat=True))
    plan_form = PlanItemsForm(initial={"plan_item_ids": links})
    if request.method == "POST":
        if not can(request.user, "change", p):
            raise Http404
        action = request.POST.get("action", "")
        try:
            if action == "answer":
                answer_form = AnswerForm(request.POST)
                if answer_form.is_valid():
                    proposals.answer(
                        p,
                        outcome=answer_form.cleaned_data["outcome"],
                        text=answer_form.cleaned_data["answer"],
                        easy_text=answer_form.cleaned_data["easy_answer"],
                        staff=request.user,
                        request=request,
                    )
                    messages.success(request, "回答を登録し、投稿者と賛同者にお知らせしました。")
                    return redirect("participation:staff_proposal", pk=pk)
            elif action in ("hide", "hide_comment"):
                reason_form = ReasonForm(request.POST)
                if reason_form.is_valid():
                    target = p if action == "hide" else get_object_or_404(p.comments, pk=int_param(request.POST.get("comment")))
                    proposals.hide(target, reason=reason_form.cleaned_data["reason"], staff=request.user, request=request)
                    messages.success(request, "非表示にしました。理由は公開ページに表示されます。")
                    return redirect("participation:staff_proposal", pk=pk)
            elif action == "dismiss":
                item = get_object_or_404(Report, pk=int_param(request.POST.get("report")), proposal=p)
                proposals.dismiss_report(item, staff=request.user, request=request)
                messages.success(request, "通報を対応済みにしました。")
                return redirect("participation:staff_proposal", pk=pk)
            elif action == "plan_items":
                plan_form = PlanItemsForm(request.POST)
                if plan_form.is_valid():
                    proposals.link_plan_items(p, plan_form.cleaned_data["plan_item_ids"], staff=request.user, request=request)
                    messages.success(request, "関連する計画の取組を保存しました。")
                    return redirect("participation:staff_proposal", pk=pk)
            elif action == "section":
                section = get_object_or_404(Section, pk=int_param(request.POST.get("section")))
                proposals.assign_section(p, section, staff=request.user, request=request)
                messages.success(request, f"担当課を{section.name}にしました。")
                return redirect("participation:staff_proposal", pk=pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    context = {
        "p": p,
        "answer_form": answer_form,
        "reason_form": reason_form,
        "plan_form": plan_form,
        "reports": p.reports.filter(resolved_at__isnull=True).select_related("comment"),
        "thread": _thread(list(p.comments.all())),
        "sections": Section.objects.filter(kind=Section.Kind.SECTION),
    }
    return render(request, "participation/staff_proposal.html", context)
