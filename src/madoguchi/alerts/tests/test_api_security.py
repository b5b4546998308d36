"""Issue #11 item 10 for alerts: re-subscribing a known push endpoint gives no tokens to whoever
lacks its keys; the delivery report answers the same 404 for "no such notice" and "not yours"."""

from __future__ import annotations

import base64
import json

import pytest

from madoguchi.accounts.testing import login_staff
from madoguchi.alerts.factories import NoticeFactory, TopicFactory
from madoguchi.alerts.models import Notice, Subscription
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory

ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc123"


def _keys(seed: int) -> dict:
    p256dh = base64.urlsafe_b64encode(bytes([4]) + bytes([seed]) * 64).decode().rstrip("=")
    auth = base64.urlsafe_b64encode(bytes([seed]) * 16).decode().rstrip("=")
    return {"p256dh": p256dh, "auth": auth}


def _subscribe(client, keys, topics):
    body = {"endpoint": ENDPOINT, "keys": keys, "topics": topics}
    return client.post("/api/alerts/push/subscribe", json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_resubscribing_a_known_endpoint_needs_its_keys(client):
    city = MunicipalityFactory()
    bousai = TopicFactory(municipality=city, slug="bousai")
    TopicFactory(municipality=city, slug="bouhan")
    first = _subscribe(client, _keys(1), ["bousai"])
    assert first.status_code == 200 and first.json()["manage"]
    sub = Subscription.objects.get(address=ENDPOINT)

    # The browser itself (same keys) may change its topics and sees its links again.
    again = _subscribe(client, _keys(1), ["bousai", "bouhan"])
    assert again.status_code == 200 and again.json()["manage"] == first.json()["manage"]

    # Someone who knows only the endpoint: no token, no link, nothing changed.
    other = _subscribe(client, _keys(2), ["bousai"])
    assert other.status_code == 200
    data = other.json()
    assert data["manage"] is None and data["unsubscribe"] is None
    assert sub.token not in json.dumps(data)
    sub.refresh_from_db()
    assert sub.push_p256dh == _keys(1)["p256dh"] and sub.topics.count() == 2
    assert bousai in sub.topics.all()


@pytest.mark.django_db
def test_delivery_report_same_404_for_missing_and_not_yours(client):
    MunicipalityFactory()
    bousai = SectionFactory(name="防災安全課")
    other = SectionFactory(name="保育課")
    notice = NoticeFactory(section=bousai, status=Notice.Status.SENT)
    outsider = StaffFactory(section=other)
    login_staff(client, outsider)
    not_yours = client.get(f"/api/alerts/notices/{notice.pk}/report")
    missing = client.get(f"/api/alerts/notices/{notice.pk + 1000}/report")
    assert not_yours.status_code == missing.status_code == 404
    assert not_yours.json() == missing.json()
    assert "見つからない" in missing.json()["detail"]

    owner = StaffFactory(section=bousai)
    client.logout()
    login_staff(client, owner)
    response = client.get(f"/api/alerts/notices/{notice.pk}/report")
    assert response.status_code == 200 and response.json()["notice"] == notice.pk


@pytest.mark.django_db
def test_alert_subscription_mail_limited_per_recipient(client, settings):
    settings.MAIL_RATE_LIMIT = 2
    city = MunicipalityFactory()
    topic = TopicFactory(municipality=city, slug="bousai")
    data = {"channel": "email", "email": "resident@example.jp", "topics": [topic.pk], "language": "ja"}
    for _ in range(2):
        assert client.post("/alerts/subscribe/", data).status_code == 200
    response = client.post("/alerts/subscribe/", data)
    assert response.status_code == 429 and response.has_header("Retry-After")
    assert "メールの送信が短い時間に続いたため" in response.content.decode()
