"""Participation figures a DX plan indicator can be bound to (core.registry.metrics), each per
fiscal year (年度) from this app's own rows."""

from __future__ import annotations

from decimal import Decimal

from madoguchi.core.registry import Metric, metrics
from madoguchi.core.wareki import fiscal_year_range

from .models import Consultation, Opinion, Proposal, SurveyResponse


@metrics.register("public_comment_opinions")
class PublicCommentOpinions(Metric):
    """Opinions received in the year through every channel (web, post, FAX, email, in person)."""

    label = "パブリックコメントで寄せられた意見の件数"
    unit = "件"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        start, end = fiscal_year_range(fiscal_year)
        qs = Opinion.objects.filter(municipality=municipality, received_at__date__gte=start, received_at__date__lte=end)
        return Decimal(qs.count())


@metrics.register("public_comments_held")
class PublicCommentsHeld(Metric):
    """Published consultations whose period started in the year."""

    label = "パブリックコメントの実施件数"
    unit = "件"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        start, end = fiscal_year_range(fiscal_year)
        return Decimal(Consultation.objects.filter(municipality=municipality, is_published=True, starts_on__gte=start, starts_on__lte=end).count())


@metrics.register("proposals_posted")
class ProposalsPosted(Metric):
    label = "市民からの提案の件数"
    unit = "件"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        start, end = fiscal_year_range(fiscal_year)
        return Decimal(Proposal.objects.filter(municipality=municipality, created_at__date__gte=start, created_at__date__lte=end).count())


@metrics.register("proposals_adopted")
class ProposalsAdopted(Metric):
    """Proposals answered 採用 or 一部採用 in the year (by the date of the answer)."""

    label = "採用（一部採用を含む）した市民提案の件数"
    unit = "件"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        start, end = fiscal_year_range(fiscal_year)
        qs = Proposal.objects.filter(
            municipality=municipality,
            outcome__in=[Proposal.Outcome.ADOPTED, Proposal.Outcome.PARTLY],
            answered_at__date__gte=start,
            answered_at__date__lte=end,
        )
        return Decimal(qs.count())


@metrics.register("survey_responses")
class SurveyResponses(Metric):
    """Survey responses submitted in the year, web and paper (an open survey counts browsers)."""

    label = "アンケートの回答件数"
    unit = "件"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        start, end = fiscal_year_range(fiscal_year)
        qs = SurveyResponse.objects.filter(municipality=municipality, submitted_at__date__gte=start, submitted_at__date__lte=end)
        return Decimal(qs.count())
