import base64
import hashlib
import hmac
import json

import pytest

from madoguchi.alerts import services
from madoguchi.alerts.channels import cap
from madoguchi.alerts.models import Notice, Subscription, Topic


def _notice(city, staff, channels, **kw):
    d = dict(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Moderate",
        title="断水",
        body="給水所を開設しました。",
        channels=channels,
        all_areas=True,
        created_by=staff["clerk"],
        title_en="Water outage",
        body_en="Water station open.",
    )
    d.update(kw)
    return Notice.objects.create(**d)


def test_webpush_vapid_and_encryption(city, staff, push_service, run_tasks, client):
    topic = Topic.objects.get(municipality=city, slug="bousai")
    for name in ("a", "b", "gone"):
        info = push_service.new_subscriber(name)
        resp = client.post(
            "/api/alerts/push/subscribe",
            json.dumps(
                {
                    "endpoint": info["endpoint"],
                    "keys": {"p256dh": info["p256dh"], "auth": info["auth"]},
                    "topics": ["bousai"],
                    "language": "en" if name == "b" else "ja",
                }
            ),
            content_type="application/json",
        )
        assert resp.status_code == 200, resp.content
    push_service.gone.add("gone")
    notice = _notice(city, staff, ["webpush"], topic=topic)
    services.request_send(notice, staff["clerk"])
    run_tasks()
    assert push_service.errors == []
    got = {r["token"]: r for r in push_service.received}
    assert set(got) == {"a", "b"}
    assert got["a"]["payload"]["title"] == "断水" and got["b"]["payload"]["title"] == "Water outage"
    assert len(got["a"]["topic"]) == 32
    assert Subscription.objects.get(address__endswith="/gone").status == "failed"
    assert services.report(notice)["webpush"] == {"sent": 2, "failed": 1, "pending": 0, "skipped": 0}


def test_push_subscribe_rejects_bad_keys(city, client):
    resp = client.post(
        "/api/alerts/push/subscribe",
        json.dumps({"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "short", "auth": "x"}, "topics": ["bousai"]}),
        content_type="application/json",
    )
    assert resp.status_code == 422 and "鍵" in resp.json()["detail"]
    # "³" is a digit to str.isdigit() but not to int(): a topic list like this is refused, not a 500
    resp = client.post(
        "/api/alerts/push/subscribe",
        json.dumps({"endpoint": "https://fcm.googleapis.com/fcm/send/x", "keys": {"p256dh": "short", "auth": "x"}, "topics": ["³", "1"]}),
        content_type="application/json",
    )
    assert resp.status_code < 500


def test_line_push_and_invalid_user(city, staff, line_api, run_tasks):
    topic = Topic.objects.get(municipality=city, slug="bousai")
    for uid in ("U" + "1" * 32, "Uinvalid" + "0" * 25):
        s = Subscription.objects.create(municipality=city, channel="line", address=uid, status="active")
        s.topics.set([topic])
    notice = _notice(city, staff, ["line"])
    services.request_send(notice, staff["clerk"])
    run_tasks()
    assert line_api.errors == []
    assert [m["to"] for m in line_api.received] == ["U" + "1" * 32]
    assert "断水" in line_api.received[0]["messages"][0]["text"] and "/alerts/unsubscribe/" in line_api.received[0]["messages"][0]["text"]
    assert Subscription.objects.get(address__startswith="Uinvalid").status == "failed"
    # A re-send with the same retry key is refused by LINE (409) and counts as delivered.
    from madoguchi.alerts.models import Delivery

    Delivery.objects.filter(notice=notice, state="sent").update(state="pending")
    services.deliver(notice.pk, "line")
    assert len(line_api.received) == 1
    assert services.report(notice)["line"]["sent"] == 1, list(Delivery.objects.values_list("state", "error", "attempts"))


def _sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_line_webhook_signature_and_linking_code(city, line_api, client):
    topic = Topic.objects.get(municipality=city, slug="kosodate")
    resp = client.post("/alerts/subscribe/", {"channel": "line", "topics": [topic.pk], "language": "ja"})
    pending = Subscription.objects.get(channel="line", status="pending")
    assert pending.link_code in resp.content.decode()
    event = {
        "destination": "x",
        "events": [
            {
                "type": "message",
                "mode": "active",
                "timestamp": 1,
                "source": {"type": "user", "userId": "U" + "a" * 32},
                "webhookEventId": "01H",
                "deliveryContext": {"isRedelivery": False},
                "replyToken": "r" * 32,
                "message": {"type": "text", "id": "1", "quoteToken": "q", "text": pending.link_code},
            }
        ],
    }
    body = json.dumps(event).encode()
    bad = client.post("/alerts/line/webhook", body, content_type="application/json", headers={"X-Line-Signature": _sign(body, "wrong")})
    assert bad.status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"
    ok = client.post("/alerts/line/webhook", body, content_type="application/json", headers={"X-Line-Signature": _sign(body, "test-channel-secret")})
    assert ok.status_code == 200
    pending.refresh_from_db()
    assert pending.status == "active" and pending.address == "U" + "a" * 32 and list(pending.topics.all()) == [topic]


def test_line_follow_event_subscribes(city, line_api, client):
    event = {
        "destination": "x",
        "events": [
            {
                "type": "follow",
                "mode": "active",
                "timestamp": 1,
                "source": {"type": "user", "userId": "U" + "b" * 32},
                "webhookEventId": "01H",
                "deliveryContext": {"isRedelivery": False},
                "replyToken": "r" * 32,
                "follow": {"isUnblocked": False},
            }
        ],
    }
    body = json.dumps(event).encode()
    assert (
        client.post("/alerts/line/webhook", body, content_type="application/json", headers={"X-Line-Signature": _sign(body, "test-channel-secret")}).status_code
        == 200
    )
    sub = Subscription.objects.get(channel="line", address="U" + "b" * 32)
    assert sub.status == "active" and sub.topics.filter(slug="bousai").exists()


def test_cap_output_validates(city, staff):
    from madoguchi.alerts.models import Shelter

    original = _notice(city, staff, ["email"], severity="Extreme", status="sent")
    from django.utils import timezone

    original.sent_at = timezone.now()
    original.save()
    original.shelters.set(Shelter.objects.all()[:1])
    xml = cap.build(original)
    assert cap.validation_errors(xml) == []
    fix = services.start_correction(original, staff["clerk"], "Update")
    fix.status = "sent"
    fix.sent_at = timezone.now()
    fix.save()
    xml2 = cap.build(fix)
    assert cap.validation_errors(xml2) == []
    assert b"<msgType>Update</msgType>" in xml2 and b"<references>" in xml2


def test_cap_import_roundtrip_and_errors(city, staff):
    original = _notice(city, staff, ["email"], status="sent")
    from django.utils import timezone

    original.sent_at = timezone.now()
    original.save()
    draft = services.import_cap(city, cap.build(original), section=staff["section"], source="test")
    assert draft.status == "draft" and draft.title == original.title and draft.topic.slug == "bousai" and draft.all_areas
    assert services.import_cap(city, cap.build(original), section=staff["section"], source="test") == draft  # idempotent
    with pytest.raises(cap.CapImportError, match="XML として読み取れません（1行目"):
        cap.parse(b"<alert><oops></alert>")
    with pytest.raises(cap.CapImportError, match="CAP 1.2 の形式に合いません"):
        cap.parse(cap.build(original).replace(b"<severity>Moderate</severity>", b"<severity>Bad</severity>"))
    with pytest.raises(cap.CapImportError, match="alert 要素ではありません"):
        cap.parse(b"<feed/>")
    with pytest.raises(cap.CapImportError):
        cap.parse(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')


def test_cap_upload_page_shows_precise_error(city, staff, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from madoguchi.core.models import StaffRole

    user = staff["approver"]
    client.force_login(user)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    assert StaffRole.objects.filter(user=user).exists()
    resp = client.post("/alerts/staff/import/", {"file": SimpleUploadedFile("x.xml", b"<alert>")})
    assert resp.status_code == 400  # a file that is not CAP is bad input (issue #11 item 5), said in Japanese
    assert "XML として読み取れません" in resp.content.decode()


def test_webpush_payload_carries_signed_stop_link_that_works(city, staff, push_service, run_tasks, client, settings):
    """Every push carries the subscription's signed 受け取り設定 link (the 「配信停止」 action);
    the subscribe response links it too; opening it and confirming stops further pushes."""
    from django.test import Client

    from madoguchi.alerts.channels import webpush

    settings.SITE_URL = "https://city.example.jp"
    subs = {}
    for name in ("keep", "stop"):
        info = push_service.new_subscriber(name)
        resp = client.post(
            "/api/alerts/push/subscribe",
            json.dumps({"endpoint": info["endpoint"], "keys": {"p256dh": info["p256dh"], "auth": info["auth"]}, "topics": ["bousai"], "language": "ja"}),
            content_type="application/json",
        )
        assert resp.status_code == 200, resp.content
        subs[name] = Subscription.objects.get(address=info["endpoint"])
        assert resp.json()["manage"] == f"/alerts/manage/{services.manage_key(subs[name])}/"

    notice = _notice(city, staff, ["webpush"])
    services.request_send(notice, staff["clerk"])
    run_tasks()
    assert push_service.errors == []
    got = {r["token"]: r["payload"] for r in push_service.received}
    for name, sub in subs.items():
        url = got[name]["unsubscribe"]
        assert url == f"https://city.example.jp/alerts/manage/{services.manage_key(sub)}/#stop"
        assert got[name]["unsubscribe_label"] == "配信停止"
        assert got[name]["url"].endswith(f"/alerts/{notice.pk}/")
    assert got["keep"]["unsubscribe"] != got["stop"]["unsubscribe"]

    # an altered link is refused
    path = got["stop"]["unsubscribe"].removeprefix("https://city.example.jp").split("#")[0]
    assert Client().get(path[:-3] + "xx/").status_code == 404

    # the page works without JavaScript: a plain form, POST with the CSRF token
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and 'id="stop"' in html and 'name="action" value="unsubscribe"' in html
    assert browser.post(path, {"action": "unsubscribe"}).status_code == 403  # no CSRF token
    token = browser.cookies["csrftoken"].value
    done = browser.post(path, {"action": "unsubscribe", "csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "配信を停止しました" in done.content.decode()
    subs["stop"].refresh_from_db()
    assert subs["stop"].status == Subscription.Status.UNSUBSCRIBED
    assert browser.get(path).status_code == 404  # the link no longer opens settings

    push_service.received.clear()
    second = _notice(city, staff, ["webpush"], title="給水車")
    services.request_send(second, staff["clerk"])
    run_tasks()
    assert [r["token"] for r in push_service.received] == ["keep"]

    # the size check counts the link: a body that fits without it is refused with it
    room = webpush.MAX_PLAINTEXT - len(webpush.payload(second, "ja"))
    second.body += "a" * (room - 10)
    second.title_en = second.body_en = ""
    assert len(webpush.payload(second, "ja")) <= webpush.MAX_PLAINTEXT
    assert webpush.WebPushChannel().validate(second)


def test_service_worker_offers_stop_action(client, db):  # every request resolves its city
    js = client.get("/alerts/sw.js").content.decode()
    assert '"unsubscribe"' in js and "event.action" in js and "openWindow" in js
