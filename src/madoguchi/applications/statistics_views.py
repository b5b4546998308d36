"""申請の統計 for staff: a thin view over ``statistics`` (section-scoped there)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from madoguchi.core.staff import staff_required
from madoguchi.core.wareki import fiscal_year

from . import statistics

YEARS_SHOWN = 5


@staff_required
def staff_statistics(request):
    current = fiscal_year(timezone.localdate())
    years = list(range(current, current - YEARS_SHOWN, -1))
    try:
        year = int(request.GET.get("year") or current)
    except ValueError:
        year = current
    if year not in years:
        year = current
    stats = statistics.for_user(request.user, year)
    return render(request, "applications/staff_statistics.html", {"stats": stats, "year": year, "years": years})
