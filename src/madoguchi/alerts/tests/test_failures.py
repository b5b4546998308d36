"""Which refusals mark a subscription 配信不能: only the ones about the address itself."""

import json

import pytest

from madoguchi.alerts import services
from madoguchi.alerts.channels import Outcome
from madoguchi.alerts.channels.email import rcpt_outcome
from madoguchi.alerts.channels.line import recipient_invalid
from madoguchi.alerts.models import Delivery, Notice, Subscription, Topic


def _notice(city, staff, channels):
    return Notice.objects.create(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Moderate",
        title="断水",
        body="中央一丁目で断水しています。",
        channels=channels,
        all_areas=True,
        created_by=staff["clerk"],
    )


def _subs(city, channel, addresses, **kw):
    out = []
    for a in addresses:
        s = Subscription.objects.create(municipality=city, channel=channel, address=a, status="active", **kw)
        s.topics.set(Topic.objects.filter(municipality=city, slug="bousai"))
        out.append(s)
    return out


def test_smtp_rcpt_classification():
    assert rcpt_outcome(550, "5.1.1 no such user") == Outcome.PERMANENT
    assert rcpt_outcome(550, "no such user") == Outcome.PERMANENT
    assert rcpt_outcome(554, "5.7.1 Relay access denied") == Outcome.RETRY
    assert rcpt_outcome(530, "5.7.0 Authentication required") == Outcome.RETRY
    assert rcpt_outcome(450, "4.2.0 mailbox busy") == Outcome.RETRY


def test_line_error_classification():
    assert recipient_invalid(json.dumps({"message": "The property, 'to', in the request body is invalid (line: -, column: -)"}))
    assert recipient_invalid(json.dumps({"message": "The request body has 1 error(s)", "details": [{"message": "invalid", "property": "to"}]}))
    assert not recipient_invalid(json.dumps({"message": "The request body has 1 error(s)", "details": [{"property": "messages[0].text"}]}))
    assert not recipient_invalid(json.dumps({"message": "Authentication failed due to the following reason: invalid token"}))
    assert not recipient_invalid("not json") and not recipient_invalid(None)


@pytest.fixture
def picky_smtp(settings):
    """aiosmtpd that can refuse our MAIL FROM (relay setup) or the DATA for one recipient."""
    from types import SimpleNamespace

    from aiosmtpd.controller import Controller

    from madoguchi.devtools.servers import free_port

    server = SimpleNamespace(host="127.0.0.1", port=free_port(), messages=[], refuse_mail=False, refuse_data=set())

    class Handler:
        async def handle_MAIL(self, srv, session, envelope, address, mail_options):
            if server.refuse_mail:
                return "553 5.7.1 Sender address rejected: not owned by user"
            envelope.mail_from = address
            envelope.mail_options.extend(mail_options)
            return "250 OK"

        async def handle_DATA(self, srv, session, envelope):
            if set(envelope.rcpt_tos) & server.refuse_data:
                return "554 5.6.0 Message content rejected"
            server.messages.append(list(envelope.rcpt_tos))
            return "250 OK"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = server.host, server.port, False
    try:
        yield server
    finally:
        controller.stop()


def test_smtp_relay_refusals_do_not_mark_addresses(city, staff, picky_smtp, run_tasks):
    ok, content = _subs(city, "email", ["ok@example.jp", "content@example.jp"])
    picky_smtp.refuse_data.add(content.address)
    notice = _notice(city, staff, ["email"])
    services.request_send(notice, staff["clerk"])
    run_tasks()
    assert picky_smtp.messages == [[ok.address]]
    content.refresh_from_db()
    assert content.status == "active" and content.failure_reason == ""
    d = Delivery.objects.get(notice=notice, subscription=content)
    assert d.state == "failed" and "554" in d.error
    # MAIL FROM refused: our relay setup; retried later, the addresses stay active
    picky_smtp.refuse_mail = True
    second = _notice(city, staff, ["email"])
    services.request_send(second, staff["clerk"])
    run_tasks()
    assert set(Delivery.objects.filter(notice=second).values_list("state", flat=True)) == {"pending"}
    assert all("MAIL FROM 553" in e for e in Delivery.objects.filter(notice=second).values_list("error", flat=True))
    assert set(Subscription.objects.filter(channel="email").values_list("status", flat=True)) == {"active"}
    assert services.report(second)["email"]["pending"] == 2


def test_push_400_and_413_fail_the_message_not_the_subscription(city, staff, push_service, run_tasks):
    subs = {}
    for name in ("ok", "bad", "big", "gone"):
        info = push_service.new_subscriber(name)
        subs[name] = _subs(city, "webpush", [info["endpoint"]], push_p256dh=info["p256dh"], push_auth=info["auth"])[0]
    push_service.status.update({"bad": 400, "big": 413})
    push_service.gone.add("gone")
    notice = _notice(city, staff, ["webpush"])
    services.request_send(notice, staff["clerk"])
    run_tasks()
    for s in subs.values():
        s.refresh_from_db()
    assert [subs[n].status for n in ("ok", "bad", "big", "gone")] == ["active", "active", "active", "failed"]
    assert services.report(notice)["webpush"] == {"sent": 1, "failed": 3, "pending": 0, "skipped": 0}


def test_line_generic_400_does_not_mark_the_user(city, staff, line_api, run_tasks):
    good, bad_request, invalid = _subs(city, "line", ["U" + "1" * 32, "Ubadrequest" + "0" * 22, "Uinvalid" + "0" * 25])
    notice = _notice(city, staff, ["line"])
    services.request_send(notice, staff["clerk"])
    run_tasks()
    for s in (good, bad_request, invalid):
        s.refresh_from_db()
    assert (good.status, bad_request.status, invalid.status) == ("active", "active", "failed")
    assert Delivery.objects.get(notice=notice, subscription=bad_request).state == "failed"


def test_push_endpoint_must_be_a_known_push_service(city, client, settings):
    from madoguchi.alerts.services import push_endpoint_allowed

    settings.ALERTS_PUSH_ALLOW_LOOPBACK = False
    for url in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
        "https://web.push.apple.com/QO1",
    ):
        assert push_endpoint_allowed(url), url
    for url in (
        "http://fcm.googleapis.com/fcm/send/abc",  # not https
        "https://fcm.googleapis.com:8443/x",  # another port
        "https://evilfcm.googleapis.com.attacker.example/x",
        "https://notfcm.googleapis.com.evil/x",
        "https://xfcm.googleapis.com@169.254.169.254/latest/meta-data",
        "https://169.254.169.254/latest/meta-data",
        "https://internal.city.lg.jp/admin",
        "http://127.0.0.1:8000/x",
        "https://localhost/x",
        "not a url",
    ):
        assert not push_endpoint_allowed(url), url
    resp = client.post(
        "/api/alerts/push/subscribe",
        json.dumps({"endpoint": "https://169.254.169.254/x", "keys": {"p256dh": "A" * 87, "auth": "A" * 22}, "topics": ["bousai"]}),
        content_type="application/json",
    )
    assert resp.status_code == 422 and "送信先" in resp.json()["detail"]
    assert not Subscription.objects.filter(channel="webpush").exists()
    settings.ALERTS_PUSH_ALLOW_LOOPBACK = True
    assert push_endpoint_allowed("http://127.0.0.1:8000/x")
    settings.ALERTS_PUSH_ALLOWED_ORIGINS = ["push.example.jp"]
    assert push_endpoint_allowed("https://a.push.example.jp/x") and not push_endpoint_allowed("https://fcm.googleapis.com/x")


def test_line_message_never_cuts_the_unsubscribe_link(city, staff, line_api, settings):
    from madoguchi.alerts.channels import line
    from madoguchi.alerts.models import Subscription as Sub

    settings.SITE_URL = "https://" + "a" * 150 + ".example.jp"
    notice = _notice(city, staff, ["line"])
    notice.body = "あ" * (line.MAX_TEXT - 150)  # fitted the old fixed 80-character margin
    notice.save()
    assert any("LINE では1通5000文字まで" in p for p in services.validation_problems(notice))
    # Should such a notice be sent anyway (e.g. validated under another SITE_URL), the body is
    # shortened, never the link.
    sub = _subs(city, "line", ["U" + "2" * 32])[0]
    Delivery.objects.create(notice=notice, subscription=sub, channel="line")
    Notice.objects.filter(pk=notice.pk).update(status="sending")
    services.deliver(notice.pk, "line")
    assert line_api.errors == []
    sent = line_api.received[0]["messages"][0]["text"]
    assert len(sent) <= line.MAX_TEXT
    url = f"{settings.SITE_URL}/alerts/unsubscribe/{sub.token}/"
    assert sent.endswith(url) and "…\n" in sent
    assert line.stop_line_room("ja") >= len(line.stop_line("ja", Sub.objects.get(pk=sub.pk).token))
