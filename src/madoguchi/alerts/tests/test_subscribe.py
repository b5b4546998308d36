"""Subscribing through the public form: an active subscription cannot be changed by whoever
knows the address, and an unconfirmed one can always be confirmed again."""

import re

from django.utils import timezone

from madoguchi.alerts import services
from madoguchi.alerts.models import Subscription, TargetingConsent, Topic


def _active(city, address="taro@example.jp"):
    s = Subscription.objects.create(municipality=city, channel="email", address=address, status="active", language="ja", confirmed_at=timezone.now())
    s.topics.set(Topic.objects.filter(municipality=city, slug="bousai"))
    return s


def _post(client, city, email, slug="gomi", **extra):
    topic = Topic.objects.get(municipality=city, slug=slug)
    return client.post("/alerts/subscribe/", {"channel": "email", "email": email, "topics": [topic.pk], "language": "en", **extra})


def test_form_cannot_change_an_active_subscription(city, client, run_tasks, mailoutbox):
    sub = _active(city)
    token = sub.token
    resp = _post(client, city, "Taro@Example.jp", facts=["child_under_3"], consent="on")
    assert resp.status_code == 200
    page_known = resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == "active" and sub.language == "ja" and sub.token == token
    assert list(sub.topics.values_list("slug", flat=True)) == ["bousai"]
    assert not TargetingConsent.objects.filter(subscription=sub).exists()
    run_tasks()
    mail = [m for m in mailoutbox if m.to == ["taro@example.jp"]]
    assert len(mail) == 1 and "受け取り設定" in mail[0].subject
    link = re.search(r"https?://\S+/alerts/manage/\S+/", mail[0].body).group(0)
    assert link.endswith(f"/alerts/manage/{services.manage_key(sub)}/")
    assert "設定はまだ変わっていません" in mail[0].body
    assert client.get("/" + link.split("/", 3)[3]).status_code == 200
    # The page says the same for an unknown address: the form does not tell who is subscribed.
    page_new = _post(client, city, "hanako@example.jp").content.decode()
    assert "確認のメールを送りました" in page_known

    def same(html, email):
        return re.sub(r'[Tt]oken"?[:=] ?"[^"]+"', "", html.replace(email, "X"))

    assert same(page_known, "taro@example.jp") == same(page_new, "hanako@example.jp")


def test_verified_owner_still_subscribes_at_once(city, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email="owner@example.jp", password="x" * 12)
    user.email_verified = True
    user.save()
    client.force_login(user)
    resp = _post(client, city, "owner@example.jp")
    assert "登録しました" in resp.content.decode()
    assert Subscription.objects.get(address="owner@example.jp").status == "active"


def test_pending_rerequest_after_the_window_restarts_it(city, client, run_tasks, mailoutbox):
    _post(client, city, "late@example.jp")
    sub = Subscription.objects.get(address="late@example.jp")
    old_token = sub.token
    Subscription.objects.filter(pk=sub.pk).update(created_at=timezone.now() - timezone.timedelta(days=8))
    resp = client.post(f"/alerts/confirm/{old_token}/")
    assert "期限" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == "pending"
    # asking again gives a fresh link with a fresh 7 days; the old link stops working
    _post(client, city, "late@example.jp")
    sub.refresh_from_db()
    assert sub.token != old_token and timezone.now() - sub.created_at < timezone.timedelta(minutes=1)
    run_tasks()
    bodies = [m.body for m in mailoutbox if m.to == ["late@example.jp"]]
    assert len(bodies) == 2 and f"/alerts/confirm/{sub.token}/" in bodies[-1]
    assert client.post(f"/alerts/confirm/{old_token}/").status_code == 404
    client.post(f"/alerts/confirm/{sub.token}/")
    sub.refresh_from_db()
    assert sub.status == "active"
