"""The top page gathers panels from the apps: urgent alerts first, then procedure search."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_home_shows_urgent_alert_first_then_search_and_life_events(client, db):
    from madoguchi.alerts.factories import NoticeFactory
    from madoguchi.alerts.models import Notice, Severity
    from madoguchi.applications.factories import LifeEventFactory

    LifeEventFactory(slug="moving")
    LifeEventFactory(slug="care")
    NoticeFactory(status=Notice.Status.SENT, severity=Severity.MODERATE, sent_at=timezone.now() - timezone.timedelta(days=1))

    html = client.get("/").content.decode()
    assert "くらしの出来事からさがす" in html and 'action="/procedures/"' in html
    assert "緊急情報" not in html or html.index("緊急情報") > html.index("手続きをさがす")

    notice = Notice.objects.filter(status=Notice.Status.SENT).first()
    Notice.objects.filter(pk=notice.pk).update(severity=Severity.EXTREME, sent_at=timezone.now(), expires_at=None, kind=Notice.Kind.ALERT)
    html = client.get("/").content.decode()
    assert 'id="urgent-heading"' in html and notice.title in html
    assert html.index('id="urgent-heading"') < html.index('id="home-search-heading"')

    # an expired warning is no longer urgent
    Notice.objects.filter(pk=notice.pk).update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    assert 'id="urgent-heading"' not in client.get("/").content.decode()
