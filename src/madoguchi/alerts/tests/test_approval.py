"""二人制 (two-person rule) and 取消: who may approve, and what a cancellation stops."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from madoguchi.alerts import services
from madoguchi.alerts.models import Delivery, Notice, Subscription, Topic


def _notice(city, staff, **kw):
    defaults = dict(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Extreme",
        title="避難指示",
        body="川辺町に避難指示を発令しました。",
        channels=["email"],
        all_areas=True,
        created_by=staff["clerk"],
    )
    defaults.update(kw)
    return Notice.objects.create(**defaults)


def test_requester_cannot_approve_even_without_author(city, staff):
    """A CAP import has no author; whoever asks to send it still needs a second person."""
    notice = _notice(city, staff, created_by=None)
    services.request_send(notice, staff["approver"])
    notice.refresh_from_db()
    assert notice.status == "pending_approval" and notice.requested_by == staff["approver"]
    assert not services.may_approve(staff["approver"], notice)
    with pytest.raises(PermissionDenied):
        services.approve(notice, staff["approver"])
    services.approve(notice, staff["approver2"])
    notice.refresh_from_db()
    assert notice.status == "sending" and notice.approved_by == staff["approver2"]


def _staff_login(client, user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def test_last_editor_cannot_approve(city, staff, client):
    notice = _notice(city, staff)
    _staff_login(client, staff["approver"])
    form = {
        "section": staff["section"].pk,
        "kind": "Alert",
        "topic": notice.topic_id,
        "all_areas": "on",
        "severity": "Extreme",
        "title": "避難指示（更新）",
        "body": notice.body,
        "channels": ["email"],
    }
    resp = client.post(f"/alerts/staff/{notice.pk}/edit/", form)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    notice.refresh_from_db()
    assert notice.edited_by == staff["approver"] and notice.title == "避難指示（更新）"
    services.request_send(notice, staff["clerk"])
    notice.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.approve(notice, staff["approver"])  # edited the text: not a second pair of eyes
    resp = client.get(f"/alerts/staff/{notice.pk}/")
    assert "承認して配信する" not in resp.content.decode()
    services.approve(notice, staff["approver2"])


def _sent_original(city, staff, n=3):
    subs = []
    for i in range(n):
        s = Subscription.objects.create(municipality=city, channel="email", address=f"c{i}@example.jp", status="active")
        s.topics.set(Topic.objects.filter(municipality=city, slug="bousai"))
        subs.append(s)
    original = _notice(city, staff)
    services.request_send(original, staff["clerk"])
    services.approve(original, staff["approver"])
    services.fan_out(original.pk)  # deliveries exist, nothing sent yet
    original.refresh_from_db()
    return original, subs


def test_cancel_of_emergency_needs_approval_and_stops_pending_deliveries(city, staff, mailoutbox):
    original, subs = _sent_original(city, staff)
    d0, d1, d2 = Delivery.objects.filter(notice=original).order_by("id")
    Delivery.objects.filter(pk=d0.pk).update(state="sent", sent_at=timezone.now())
    Delivery.objects.filter(pk=d1.pk).update(attempts=2, next_attempt_at=timezone.now() + timezone.timedelta(minutes=5), error="SMTP 451")
    cancel = services.start_correction(original, staff["clerk"], Notice.Kind.CANCEL)
    assert cancel.severity == "Extreme"
    # even if the draft is lowered to お知らせ, cancelling an emergency notice needs a second person
    Notice.objects.filter(pk=cancel.pk).update(severity="Minor")
    cancel.refresh_from_db()
    services.request_send(cancel, staff["clerk"])
    cancel.refresh_from_db()
    assert cancel.status == "pending_approval"
    assert Delivery.objects.filter(notice=original, state="pending").count() == 2  # not before it goes out
    services.approve(cancel, staff["approver"])
    states = dict(Delivery.objects.filter(notice=original).values_list("pk", "state"))
    assert states == {d0.pk: "sent", d1.pk: "skipped", d2.pk: "skipped"}
    original.refresh_from_db()
    assert original.status == "sent"
    assert services.report(original)["email"] == {"sent": 1, "failed": 0, "pending": 0, "skipped": 2}
    # the original's sender finds nothing left to send
    assert services.deliver(original.pk, "email")["sent"] == 0
    assert not [m for m in mailoutbox if "取消" not in m.subject]
