"""The applications panel on the top page: procedure search and life events (ライフイベント)."""

from .models import LifeEvent


def panel(request):
    return "applications/_home_panel.html", {"priority": 20, "life_events": list(LifeEvent.objects.all()[:16])}
