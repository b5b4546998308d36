"""The one-user send (``alerts.personal.notify_user``): a personal notice reaches one resident on
the channels they chose, through the outbox, with a template per kind."""

from pathlib import Path

import pytest
from django.db import transaction

from madoguchi.alerts import personal
from madoguchi.alerts.factories import SubscriptionFactory
from madoguchi.alerts.models import Subscription
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory
from madoguchi.core.models import Task

TEMPLATE = "alerts_test/email/answer"


@pytest.fixture(autouse=True)
def _templates(settings):
    engines = [dict(e) for e in settings.TEMPLATES]
    engines[0]["DIRS"] = [*engines[0].get("DIRS", []), str(Path(__file__).parent / "templates")]
    settings.TEMPLATES = engines


def _push_sub(city, user, push_service, name, **kw):
    info = push_service.new_subscriber(name)
    return SubscriptionFactory(
        municipality=city, user=user, channel="webpush", address=info["endpoint"], push_p256dh=info["p256dh"], push_auth=info["auth"], **kw
    )


def _line_sub(city, user, uid="U" + "a" * 32, **kw):
    return SubscriptionFactory(municipality=city, user=user, channel="line", address=uid, **kw)


def _context():
    return {"name": "市民 花子", "title": "公園に & <ベンチ>を"}


def test_chosen_channels_only_through_the_outbox(city, mailoutbox, push_service, line_api, run_tasks):
    user = ResidentFactory(email="hanako@example.jp")
    SubscriptionFactory(municipality=city, user=user, address="hanako.alerts@example.jp")
    _line_sub(city, user, language="en")
    _push_sub(city, user, push_service, "phone")
    # not chosen, not confirmed, stopped, or someone else's: never used
    SubscriptionFactory(municipality=city, user=user, address="pending@example.jp", status=Subscription.Status.PENDING)
    _line_sub(city, user, uid="U" + "b" * 32, status=Subscription.Status.UNSUBSCRIBED)
    SubscriptionFactory(municipality=city, user=ResidentFactory(), address="other@example.jp")

    queued = personal.notify_user(user, TEMPLATE, _context(), url="https://example.jp/p/1", dedupe_key="answer:1")

    assert sorted(queued) == ["email", "line", "webpush"]
    assert mailoutbox == [] and line_api.received == [] and push_service.received == []  # nothing sent in the request
    assert Task.objects.filter(name="alerts.send_personal").count() == 2
    run_tasks()

    assert [m.to for m in mailoutbox] == [["hanako.alerts@example.jp"]]  # the subscription's address, not the account's
    assert mailoutbox[0].subject == "「公園に & <ベンチ>を」への回答"  # plain text: no escaping
    assert "言語: ja" in mailoutbox[0].body and city.name in mailoutbox[0].body
    assert line_api.errors == [] and [m["to"] for m in line_api.received] == ["U" + "a" * 32]
    text = line_api.received[0]["messages"][0]["text"]
    assert text.startswith("Reply to 公園に & <ベンチ>を") and "言語: en" in text  # the subscription's language
    assert "https://example.jp/p/1" in text and "/alerts/unsubscribe/" in text
    assert push_service.errors == [] and len(push_service.received) == 1
    payload = push_service.received[0]["payload"]
    assert payload["title"] == "「公園に & <ベンチ>を」への回答"
    assert payload["body"] == "「公園に & <ベンチ>を」に回答があります & <確認>"  # the _short template
    assert payload["url"] == "https://example.jp/p/1" and "/alerts/manage/" in payload["unsubscribe"]
    assert len(push_service.received[0]["topic"]) == 32


def test_easy_japanese_subscription_gets_the_easy_wording(city, line_api, run_tasks):
    user = ResidentFactory()
    _line_sub(city, user, language="ja-easy")
    personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:easy")
    run_tasks()
    assert line_api.received[0]["messages"][0]["text"].startswith("へんじが きました")


def test_no_channel_chosen_falls_back_to_the_account_email(city, mailoutbox, run_tasks):
    user = ResidentFactory(email="taro@example.jp")
    SubscriptionFactory(municipality=city, user=user, address="taro.pending@example.jp", status=Subscription.Status.PENDING)
    assert personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:2") == [personal.ACCOUNT_EMAIL]
    assert mailoutbox == []
    run_tasks()
    assert [m.to for m in mailoutbox] == [["taro@example.jp"]]


def test_other_city_subscriptions_are_not_used(city, mailoutbox, line_api, run_tasks):
    user = ResidentFactory(email="jiro@example.jp")
    other = MunicipalityFactory()
    with tenancy.using(other):
        _line_sub(other, user)
    assert personal.notify_user(user, TEMPLATE, _context(), municipality=city, dedupe_key="answer:3") == [personal.ACCOUNT_EMAIL]
    run_tasks()
    assert line_api.received == [] and [m.to for m in mailoutbox] == [["jiro@example.jp"]]


def test_same_dedupe_key_sends_once_and_a_rollback_sends_nothing(city, mailoutbox, line_api, run_tasks):
    user = ResidentFactory()
    SubscriptionFactory(municipality=city, user=user, address="once@example.jp")
    _line_sub(city, user)
    personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:4")
    personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:4")
    with pytest.raises(RuntimeError), transaction.atomic():
        personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:5")
        raise RuntimeError("the caller's change failed")
    run_tasks()
    assert len(mailoutbox) == 1 and len(line_api.received) == 1


def test_rerun_task_is_dropped_by_line_and_dead_addresses_are_marked(city, line_api, push_service, run_tasks):
    user = ResidentFactory()
    line = _line_sub(city, user)
    dead_line = _line_sub(city, user, uid="Uinvalid" + "0" * 25)
    gone = _push_sub(city, user, push_service, "gone")
    push_service.gone.add("gone")
    personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:6")
    run_tasks()
    assert len(line_api.received) == 1
    dead_line.refresh_from_db()
    gone.refresh_from_db()
    assert dead_line.status == gone.status == Subscription.Status.FAILED and line.status == Subscription.Status.ACTIVE
    # A worker that died after LINE accepted runs the task again: same retry key → 409 → done.
    task = Task.objects.get(name="alerts.send_personal", payload__subscription_id=line.pk)
    assert personal.deliver(**task.payload) == "sent"
    assert len(line_api.received) == 1


def test_stopped_since_queueing_is_skipped_and_temporary_errors_retry(city, line_api, run_tasks, settings):
    user = ResidentFactory()
    stopped = _line_sub(city, user)
    personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:7")
    Subscription.objects.filter(pk=stopped.pk).update(status=Subscription.Status.UNSUBSCRIBED)
    run_tasks()
    assert line_api.received == []

    Subscription.objects.filter(pk=stopped.pk).update(status=Subscription.Status.ACTIVE)
    settings.LINE_API_HOST = "http://127.0.0.1:9"  # nothing listens: a network error
    personal.notify_user(user, TEMPLATE, _context(), dedupe_key="answer:8")
    run_tasks()
    task = Task.objects.get(name="alerts.send_personal", payload__key__startswith="answer:8")
    assert task.status == Task.Status.PENDING and task.attempts == 1  # retried later by the outbox
    assert Subscription.objects.get(pk=stopped.pk).status == Subscription.Status.ACTIVE


def test_template_without_short_text_uses_the_subject_and_long_keys_fit(city, push_service, run_tasks):
    user = ResidentFactory()
    _push_sub(city, user, push_service, "tablet")
    personal.notify_user(user, "alerts_test/email/plain", {}, dedupe_key="x" * 300)
    run_tasks()
    assert push_service.errors == []
    assert push_service.received[0]["payload"]["body"] == "お知らせ"


def test_unreachable_user_gets_nothing(city):
    user = ResidentFactory.build(email="")
    assert personal.notify_user(user, TEMPLATE, _context()) == []
    assert personal.notify_user(None, TEMPLATE, _context()) == []
