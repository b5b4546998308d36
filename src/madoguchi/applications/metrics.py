"""Figures of online applications a DX plan indicator can be bound to (core.registry.metrics)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from madoguchi.core.registry import Metric, metrics
from madoguchi.core.wareki import fiscal_year as fiscal_year_of

from .models import Procedure, Submission
from .statistics import received_in


@metrics.register("online_applications")
class OnlineApplications(Metric):
    """Applications received in the fiscal year through every channel but the counter (書かない
    窓口 is staff filling a form for a visitor): the online form and the API alike."""

    label = "オンライン申請の受付件数"
    unit = "件"

    def compute(self, municipality, fiscal_year: int) -> Decimal:
        qs = received_in(fiscal_year).filter(municipality=municipality).exclude(channel=Submission.Channel.COUNTER)
        return Decimal(qs.count())


@metrics.register("online_procedures")
class OnlineProcedures(Metric):
    """Published procedures a resident can apply for here, counted as
    ``Procedure.can_apply_online`` decides. The catalogue keeps no history, so only the current
    fiscal year is answered: a closed year's actual is never rewritten with today's count."""

    label = "オンラインで申請できる手続の数"
    unit = "手続"

    def compute(self, municipality, fiscal_year: int) -> Decimal | None:
        if fiscal_year != fiscal_year_of(timezone.localdate()):
            return None
        qs = Procedure.objects.filter(municipality=municipality, is_published=True, online=True, form__isnull=False, external_url="")
        return Decimal(qs.exclude(identity_assurance=Procedure.Assurance.MY_NUMBER_CARD).count())
