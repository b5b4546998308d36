"""A resident's payments in every city (共同運営), for 「すべての自治体での手続き」; each links to
お支払い on its own city's host."""

from __future__ import annotations

from madoguchi.core.links import absolute_url
from madoguchi.core.registry import ResidentRecord, ResidentRecords, resident_records

from .models import Payment


@resident_records.register("payments")
class Payments(ResidentRecords):
    label = "お支払い"

    def records(self, user) -> list[ResidentRecord]:
        rows = Payment.objects.filter(payer=user).exclude(status=Payment.Status.CANCELLED).select_related("municipality")[:200]
        return [
            ResidentRecord(
                municipality=p.municipality,
                kind="お支払い",
                title=f"{p.purpose}（{p.amount:,}円）",
                status=p.get_status_display(),
                when=p.paid_at or p.created_at,
                url=absolute_url("payments:my", municipality=p.municipality),
            )
            for p in rows
        ]
