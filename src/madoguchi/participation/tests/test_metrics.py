"""Participation metrics computed from real rows, per fiscal year (年度)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from madoguchi.core.registry import compute_metric
from madoguchi.participation import proposals, services
from madoguchi.participation.models import Opinion, Proposal
from madoguchi.plans import metrics as plan_metrics


def test_metrics_count_own_rows_per_fiscal_year(city, consultation, staff):
    from django.contrib.auth import get_user_model

    services.submit_opinion(consultation, services.OpinionInput(text="意見1", name="a", address="b"))
    old = services.enter_opinion(consultation, services.OpinionInput(text="去年届いた意見"), channel="post", received_at=None, staff=staff["clerk"])
    Opinion.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=800))
    user = get_user_model().objects.create_user(email="p@example.jp", password="x" * 12)
    adopted = proposals.post_proposal(title="案A", body="内容A", author=user, municipality=city)
    proposals.post_proposal(title="案B", body="内容B", author=user, municipality=city)
    proposals.answer(adopted, outcome=Proposal.Outcome.PARTLY, text="一部採用します", staff=staff["clerk"])
    year = plan_metrics.current_fiscal_year()
    assert compute_metric("public_comment_opinions", city, year) == Decimal(1)
    from madoguchi.core.wareki import fiscal_year

    assert compute_metric("public_comments_held", city, fiscal_year(consultation.starts_on)) == Decimal(1)
    assert compute_metric("proposals_posted", city, year) == Decimal(2)
    assert compute_metric("proposals_adopted", city, year) == Decimal(1)
    assert compute_metric("proposals_adopted", city, year - 1) == Decimal(0)


def test_plans_see_participation_metrics_as_available(db):
    for code in ["public_comment_opinions", "public_comments_held", "proposals_posted", "proposals_adopted"]:
        assert plan_metrics.available(code)
        assert "未導入" not in dict(plan_metrics.choices())[code]
