"""A resident's applications in every city (共同運営: a 転出 from one city and a 転入 to another in
one place); each case links to its own city's host, where that city shows it."""

from __future__ import annotations

from madoguchi.core.links import absolute_url
from madoguchi.core.registry import ResidentRecord, ResidentRecords, resident_records

from .models import Submission


@resident_records.register("applications")
class Applications(ResidentRecords):
    label = "申請"

    def records(self, user) -> list[ResidentRecord]:
        rows = (
            Submission.objects.filter(applicant=user)
            .exclude(status=Submission.Status.DRAFT)
            .select_related("procedure", "municipality")
            .order_by("-submitted_at")[:200]
        )
        return [
            ResidentRecord(
                municipality=s.municipality,
                kind="申請",
                title=s.procedure.name,
                status=s.get_status_display(),
                when=s.submitted_at,
                url=absolute_url("applications:my_detail", s.uuid, municipality=s.municipality),
            )
            for s in rows
        ]
