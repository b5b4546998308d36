"""Alerts on the top page: notices still in force that warn of danger (above everything), and
the latest news (below the procedure search)."""

from django.db.models import Q
from django.utils import timezone

from madoguchi.core.models import Municipality

from .models import Notice, Severity


def _published():
    from .views import _published

    municipality = Municipality.current()
    return _published(municipality) if municipality else Notice.objects.none()


def _urgent():
    now = timezone.now()
    return (
        _published()
        .filter(severity__in=[Severity.EXTREME, Severity.SEVERE], sent_at__gte=now - timezone.timedelta(days=3))
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exclude(kind=Notice.Kind.CANCEL)
        .exclude(corrections__kind=Notice.Kind.CANCEL)
    )


def urgent_panel(request):
    urgent = list(_urgent()[:3])
    return ("alerts/_home_urgent.html", {"priority": 10, "urgent": urgent}) if urgent else None


def latest_panel(request):
    urgent = set(_urgent().values_list("pk", flat=True)[:3])
    latest = [n for n in _published()[:4] if n.pk not in urgent][:3]
    return ("alerts/_home_latest.html", {"priority": 60, "latest": latest}) if latest else None
