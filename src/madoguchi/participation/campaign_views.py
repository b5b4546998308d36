"""Staff pages of near-duplicate comment groups (同じ内容のコメントのまとまり): the list and one
group with its comments, 確認済み or まとめて非表示. Thin: rules are in campaigns.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from madoguchi.core.permissions import can
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form

from . import campaigns
from .forms import ReasonForm
from .models import CommentCampaign


@staff_required
def staff_campaigns(request):
    qs = campaigns.visible_campaigns(request.user)
    context = {"open": qs.filter(status=CommentCampaign.Status.OPEN), "done": qs.exclude(status=CommentCampaign.Status.OPEN)[:50]}
    return render(request, "participation/staff_campaigns.html", context)


@staff_required
def staff_campaign(request, pk: int):
    campaign = campaigns.visible_campaigns(request.user).filter(pk=pk).first()
    if campaign is None:
        raise Http404
    reason_form = ReasonForm()
    if request.method == "POST":
        if not can(request.user, "change", campaign):
            raise Http404
        action = request.POST.get("action", "")
        if action == "review":
            campaigns.review(campaign, staff=request.user, request=request)
            messages.success(request, "確認済み（問題なし）にしました。コメントはそのまま表示されます。")
            return redirect("participation:staff_campaign", pk=pk)
        if action == "hide_all":
            reason_form = ReasonForm(request.POST)
            if reason_form.is_valid():
                try:
                    n = campaigns.hide_all(campaign, reason=reason_form.cleaned_data["reason"], staff=request.user, request=request)
                except ValidationError as exc:
                    add_to_form(reason_form, exc, "reason")
                else:
                    messages.success(request, f"{n}件のコメントを非表示にしました。理由は公開ページに表示されます。")
                    return redirect("participation:staff_campaign", pk=pk)
    context = {"campaign": campaign, "rows": campaigns.members(campaign), "reason_form": reason_form, "can_change": can(request.user, "change", campaign)}
    return render(request, "participation/staff_campaign.html", context)
