import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from madoguchi.alerts import services
from madoguchi.alerts.models import Area, Delivery, Notice, Subscription, TargetingConsent, Topic
from madoguchi.core.models import AuditLog


def _notice(city, staff, **kw):
    defaults = dict(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Moderate",
        title="給水のお知らせ",
        body="中央一丁目で断水しています。給水所を開設しました。",
        channels=["email"],
        all_areas=True,
        created_by=staff["clerk"],
    )
    defaults.update(kw)
    return Notice.objects.create(**defaults)


def _email_subs(city, n, topic="bousai", areas=(), prefix="r"):
    subs = []
    for i in range(n):
        s = Subscription.objects.create(municipality=city, channel="email", address=f"{prefix}{i}@example.jp", status="active")
        s.topics.set(Topic.objects.filter(municipality=city, slug=topic))
        s.areas.set(areas)
        subs.append(s)
    return subs


def test_email_delivery_with_one_click_unsubscribe(city, staff, smtp_email, run_tasks, client):
    subs = _email_subs(city, 3)
    other = _email_subs(city, 1, topic="gomi", prefix="g")[0]
    notice = _notice(city, staff)
    services.request_send(notice, staff["clerk"])
    run_tasks()
    msgs = smtp_email.wait_for(3)
    assert sorted(m["to"][0] for m in msgs) == sorted(s.address for s in subs)
    assert other.address not in [m["to"][0] for m in msgs]
    msg = msgs[0]["message"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(msg["List-Unsubscribe"]).strip().strip("<>")
    assert url.startswith("http") and "/alerts/unsubscribe/" in url
    assert msg.get_body(("html",)) is not None and msg.get_body(("plain",)) is not None
    # RFC 8058: a POST without CSRF token from the mail provider stops the subscription.
    path = "/" + url.split("/", 3)[3]
    csrf_client = client.__class__(enforce_csrf_checks=True)
    resp = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    sub = Subscription.objects.get(address=msgs[0]["to"][0])
    assert sub.status == "unsubscribed"
    assert services.report(notice)["email"]["sent"] == 3
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_get_on_unsubscribe_link_does_not_unsubscribe(city, client):
    sub = _email_subs(city, 1)[0]
    assert client.get(f"/alerts/unsubscribe/{sub.token}/").status_code == 200
    sub.refresh_from_db()
    assert sub.status == "active"
    assert client.get("/alerts/unsubscribe/not-a-token/").status_code == 404


def test_running_delivery_twice_sends_once(city, staff, smtp_email, run_tasks):
    _email_subs(city, 4)
    notice = _notice(city, staff)
    services.request_send(notice, staff["clerk"])
    run_tasks()
    # At-least-once: the same tasks run again (e.g. a worker retried them).
    services.fan_out(notice.pk)
    services.deliver(notice.pk, "email", 0, 0)
    services.deliver(notice.pk, "email", 1, 7)
    run_tasks()
    assert len(smtp_email.wait_for(4)) == 4
    assert Delivery.objects.filter(notice=notice).count() == 4


def test_area_matching(city, staff, smtp_email, run_tasks):
    chuo = Area.objects.get(municipality=city, name="中央一丁目")
    kawabe = Area.objects.get(municipality=city, name="川辺町")
    in_area = _email_subs(city, 1, areas=[chuo], prefix="in")[0]
    everywhere = Subscription.objects.create(municipality=city, channel="email", address="all@example.jp", status="active")
    everywhere.topics.set(Topic.objects.filter(slug="bousai"))
    out_area = Subscription.objects.create(municipality=city, channel="email", address="out@example.jp", status="active")
    out_area.topics.set(Topic.objects.filter(slug="bousai"))
    out_area.areas.set([kawabe])
    notice = _notice(city, staff, all_areas=False)
    notice.areas.set([chuo])
    assert set(services.recipients(notice, "email")) == {in_area.pk, everywhere.pk}


@pytest.fixture(params=["plain", "pipelining"])
def refusing_smtp(request, settings):
    """A real SMTP server (aiosmtpd) that refuses one mailbox with 550 at RCPT, with and
    without PIPELINING offered (the client sends MAIL/RCPT/DATA in one write when offered)."""
    from types import SimpleNamespace

    from aiosmtpd.controller import Controller

    from madoguchi.devtools.servers import free_port

    server = SimpleNamespace(host="127.0.0.1", port=free_port(), messages=[], refuse=set())

    class Handler:
        async def handle_RCPT(self, srv, session, envelope, address, rcpt_options):
            if address in server.refuse:
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, srv, session, envelope):
            server.messages.append({"to": list(envelope.rcpt_tos), "pipelined": request.param == "pipelining"})
            return "250 OK"

        if request.param == "pipelining":

            async def handle_EHLO(self, srv, session, envelope, hostname, responses):
                session.host_name = hostname
                return [*responses[:-1], "250-PIPELINING", responses[-1]]

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = server.host, server.port, False
    try:
        yield server
    finally:
        controller.stop()


def test_permanent_smtp_failure_marks_address(city, staff, refusing_smtp, run_tasks):
    subs = _email_subs(city, 3)
    refusing_smtp.refuse.add(subs[1].address)  # in the middle: the connection goes on after it
    notice = _notice(city, staff)
    services.request_send(notice, staff["clerk"])
    run_tasks()
    assert sorted(m["to"][0] for m in refusing_smtp.messages) == sorted([subs[0].address, subs[2].address])
    subs[1].refresh_from_db()
    assert subs[1].status == "failed" and "550" in subs[1].failure_reason
    rep = services.report(notice)["email"]
    assert rep["sent"] == 2 and rep["failed"] == 1
    assert subs[1].pk not in services.recipients(notice, "email")


def test_emergency_needs_second_person(city, staff, run_tasks):
    notice = _notice(city, staff, severity="Extreme", title="避難指示", body="川辺町に避難指示を発令しました。")
    services.request_send(notice, staff["clerk"])
    notice.refresh_from_db()
    assert notice.status == "pending_approval"
    with pytest.raises(PermissionDenied):
        services.approve(notice, staff["clerk"])  # a clerk is not an approver
    notice.created_by = staff["approver"]
    notice.save()
    with pytest.raises(PermissionDenied):
        services.approve(notice, staff["approver"])  # nor may the author approve
    services.approve(notice, staff["approver2"])
    notice.refresh_from_db()
    assert notice.status == "sending" and notice.approved_by == staff["approver2"]
    actions = list(AuditLog.objects.filter(target_type="alerts.notice", target_id=str(notice.pk)).values_list("action", flat=True))
    assert "approve" in actions and "send" in actions and "update" in actions


def test_sender_allowed_alone(city, staff):
    from django.contrib.auth.models import Permission

    staff["clerk"].user_permissions.add(Permission.objects.get(codename="send_alone"))
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.get(pk=staff["clerk"].pk)
    notice = _notice(city, staff, severity="Extreme")
    services.request_send(notice, clerk)
    notice.refresh_from_db()
    assert notice.status == "sending"


def test_validation_messages(city, staff):
    notice = _notice(
        city, staff, topic=None, all_areas=False, expires_at=timezone.now() - timezone.timedelta(hours=1), channels=["line", "webpush"], body="あ" * 5200
    )
    problems = services.validation_problems(notice)
    text = "\n".join(problems)
    assert "分野" in text and "対象地域" in text and "有効期間（終了）が過ぎています" in text
    assert "LINE では1通5000文字まで" in text
    assert "Webプッシュ通知" in text and "約4KB" in text
    with pytest.raises(ValidationError):
        services.request_send(notice, staff["clerk"])
    notice.refresh_from_db()
    assert notice.status == "draft"


def test_scheduled_and_correction(city, staff, smtp_email, run_tasks):
    subs = _email_subs(city, 2)
    notice = _notice(city, staff, send_at=timezone.now() + timezone.timedelta(hours=2))
    services.request_send(notice, staff["clerk"])
    notice.refresh_from_db()
    assert notice.status == "scheduled"
    run_tasks()
    assert not smtp_email.messages  # not yet
    Notice.objects.filter(pk=notice.pk).update(send_at=timezone.now() - timezone.timedelta(seconds=1))
    services.sweep()
    run_tasks()
    assert len(smtp_email.wait_for(2)) == 2
    notice.refresh_from_db()
    # The resident changed topics; the correction still reaches them.
    subs[0].topics.set(Topic.objects.filter(slug="gomi"))
    fix = services.start_correction(notice, staff["clerk"], "Cancel")
    assert fix.references == notice and fix.title == notice.title
    services.request_send(fix, staff["clerk"])
    run_tasks()
    msgs = smtp_email.wait_for(4)
    assert len(msgs) == 4
    assert any(m["message"]["Subject"].startswith("【取消】") for m in msgs)


def test_targeted_notice_reaches_only_consenting(city, staff, client, smtp_email, run_tasks):
    topic = Topic.objects.get(municipality=city, slug="kosodate")
    client.post(
        "/alerts/subscribe/",
        {"channel": "email", "email": "parent@example.jp", "topics": [topic.pk], "language": "ja", "facts": ["child_under_3"], "consent": "on"},
    )
    client.post("/alerts/subscribe/", {"channel": "email", "email": "other@example.jp", "topics": [topic.pk], "language": "ja"})
    run_tasks()
    confirms = smtp_email.wait_for(2)
    assert len(confirms) == 2
    for sub in Subscription.objects.filter(address__in=["parent@example.jp", "other@example.jp"]):
        assert sub.status == "pending"
        client.post(f"/alerts/confirm/{sub.token}/")
        sub.refresh_from_db()
        assert sub.status == "active"
    notice = _notice(city, staff, topic=topic, target_facts=["child_under_3"])
    assert [Subscription.objects.get(pk=i).address for i in services.recipients(notice, "email")] == ["parent@example.jp"]
    parent = Subscription.objects.get(address="parent@example.jp")
    client.post(f"/alerts/unsubscribe/{parent.token}/", {"what": "consent"})
    parent.refresh_from_db()
    assert parent.status == "active"
    assert not TargetingConsent.objects.filter(subscription=parent).exists()
    assert services.recipients(notice, "email") == []
