"""Participation items linked to plan items (計画の取組), for the plans pages through the registry
(``core.registry.plan_item_links``): published consultations and surveys, visible proposals —
public pages only, each with where it stands."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from madoguchi.core.registry import PlanItemLink, PlanItemLinks, plan_item_links

from .models import ConsultationPlanItem, ProposalPlanItem
from .survey_models import SurveyPlanItem


def _period_status(row, today, results_published: bool) -> str:
    if results_published:
        return "結果公表"
    if today < row.starts_on:
        return "開始前"
    if today <= row.ends_on:
        return "募集中"
    return "募集終了"


@plan_item_links.register("participation")
class ParticipationLinks(PlanItemLinks):
    label = "市民参加（パブリックコメント・アンケート・提案）"
    order = 10

    def links(self, plan_item_ids) -> dict[int, list[PlanItemLink]]:
        ids = [int(i) for i in plan_item_ids]
        found: dict[int, list[PlanItemLink]] = {}
        if not ids:
            return found
        today = timezone.localdate()
        for link in (
            ConsultationPlanItem.objects.filter(plan_item_id__in=ids, consultation__is_published=True)
            .select_related("consultation")
            .order_by("consultation__starts_on", "id")
        ):
            c = link.consultation
            found.setdefault(link.plan_item_id, []).append(
                PlanItemLink(
                    "パブリックコメント",
                    c.title,
                    reverse("participation:consultation_detail", args=[c.pk]),
                    _period_status(c, today, bool(c.results_published_at)),
                )
            )
        for link in SurveyPlanItem.objects.filter(plan_item_id__in=ids, survey__is_published=True).select_related("survey").order_by("survey__starts_on", "id"):
            s = link.survey
            found.setdefault(link.plan_item_id, []).append(
                PlanItemLink(
                    "アンケート", s.title, reverse("participation:survey_detail", args=[s.pk]), _period_status(s, today, s.results_public and today > s.ends_on)
                )
            )
        for link in (
            ProposalPlanItem.objects.filter(plan_item_id__in=ids, proposal__hidden_reason="").select_related("proposal").order_by("proposal__created_at", "id")
        ):
            p = link.proposal
            status = p.get_outcome_display() if p.outcome else p.get_status_display()
            found.setdefault(link.plan_item_id, []).append(PlanItemLink("市民提案", p.title, reverse("participation:proposal_detail", args=[p.pk]), status))
        return found
