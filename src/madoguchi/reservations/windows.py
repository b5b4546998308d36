"""手続の窓口: the counters (来庁予約) that take a procedure, for the procedure's page.

A counter lists the procedures it takes (「扱う手続き」); a procedure whose name is on that list
is done at that counter, and its page names the counter's place and links to booking a visit.
"""

from __future__ import annotations

import unicodedata

from django.urls import reverse

from madoguchi.core.registry import ProcedureWindow, ProcedureWindows, procedure_windows

from .models import Counter


def _same(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).strip() == unicodedata.normalize("NFKC", b).strip()


@procedure_windows.register("reservations")
class CounterWindows(ProcedureWindows):
    label = "来庁予約の窓口"

    def windows(self, procedure) -> list[ProcedureWindow]:
        found = []
        for counter in Counter.objects.filter(is_public=True, kind=Counter.Kind.VISIT).select_related("section"):
            if any(_same(item, procedure.name) for item in counter.procedure_items):
                found.append(
                    ProcedureWindow(
                        name=counter.name,
                        location=counter.location or counter.section.location,
                        url=reverse("reservations:counter", args=[counter.slug]),
                    )
                )
        return found
