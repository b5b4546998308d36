"""The city's official answer reaches its author through the one-user send
(``alerts.personal.notify_user``): a proposal's answer to its author and supporters, the
市の考え方 on a public comment to each web submitter — on the channels they chose."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from madoguchi.alerts.factories import SubscriptionFactory
from madoguchi.core.models import Task
from madoguchi.participation import proposals, services


def _user(email):
    return get_user_model().objects.create_user(email=email, password="x" * 12)


def test_proposal_answer_goes_to_the_channels_each_person_chose(city, staff, mailoutbox, run_tasks):
    author, supporter, quiet = _user("author@example.jp"), _user("supporter@example.jp"), _user("quiet@example.jp")
    SubscriptionFactory(municipality=city, user=author, address="author.alerts@example.jp", language="ja-easy")
    proposal = proposals.post_proposal(title="公園にベンチを", body="日陰のベンチを増やしてください。", author=author, municipality=city)
    proposals.support(proposal, supporter)
    proposals.answer(proposal, outcome="partly", text="一部の公園で設置します。", easy_text="いくつかの こうえんに おきます。", staff=staff["clerk"])
    assert mailoutbox == []  # through the outbox, after the answer is committed
    run_tasks()
    by_address = {m.to[0]: m for m in mailoutbox}
    assert set(by_address) == {"author.alerts@example.jp", "supporter@example.jp"}  # not the quiet resident
    assert "quiet@example.jp" not in by_address and quiet.pk
    easy = by_address["author.alerts@example.jp"].body
    assert "いくつかの こうえんに おきます。" in easy and "一部の公園で設置します。" not in easy  # やさしい日本語 chosen
    plain = by_address["supporter@example.jp"].body
    assert "あなたが賛同した提案" in plain and "一部採用" in plain and "一部の公園で設置します。" in plain
    assert f"/participation/proposals/{proposal.pk}/" in plain


def _web_opinion(consultation, text, **kw):
    user = kw.pop("user", None)
    return services.submit_opinion(consultation, services.OpinionInput(text=text, name="山田", address="みどり野市1-1", **kw), user=user)


def _publish(consultation, staff):
    from madoguchi.participation.models import Opinion, OpinionGroup, PersonalDataFlag

    for flag in PersonalDataFlag.objects.filter(opinion__consultation=consultation, status="open"):
        services.resolve_flag(flag, redact_it=True, staff=staff["clerk"])
    ungrouped = list(Opinion.objects.filter(consultation=consultation, group__isnull=True).values_list("pk", flat=True))
    if ungrouped:
        services.make_group(consultation, ungrouped, summary=f"まとまり{len(ungrouped)}", staff=staff["clerk"])
    for group in OpinionGroup.objects.filter(consultation=consultation, city_view=""):
        services.set_city_view(group, summary=group.summary, city_view=f"市の考え方{group.pk}です。", staff=staff["clerk"])
    consultation.ends_on = timezone.localdate() - dt.timedelta(days=1)
    consultation.save()
    services.publish_results(consultation, staff=staff["clerk"])


def test_city_view_is_sent_once_to_each_web_submitter(consultation, staff, mailoutbox, run_tasks):
    member = _user("member@example.jp")
    SubscriptionFactory(municipality=consultation.municipality, user=member, address="member.alerts@example.jp")
    first = _web_opinion(consultation, "電子申請を増やしてください。", user=member)
    second = _web_opinion(consultation, "窓口の待ち時間を表示してください。", user=member)
    anonymous = _web_opinion(consultation, "図書館の予約をオンラインで。", email="Anon@Example.jp")
    _web_opinion(consultation, "連絡先を書かない意見。")
    services.enter_opinion(
        consultation, services.OpinionInput(text="郵送の意見。", email="letter@example.jp"), channel="post", received_at=None, staff=staff["clerk"]
    )
    run_tasks()
    mailoutbox.clear()  # the receipts

    _publish(consultation, staff)
    run_tasks()
    by_address = {m.to[0]: m for m in mailoutbox}
    # one message per person; the member's on their chosen channel; not the letter writer
    assert sorted(by_address) == ["anon@example.jp", "member.alerts@example.jp"]
    body = by_address["member.alerts@example.jp"].body
    assert first.receipt_number in body and second.receipt_number in body
    assert "市の考え方" in body and f"/participation/consultations/{consultation.pk}/results/" in body
    assert "電子申請を増やしてください" not in body  # never an opinion's own text
    assert anonymous.receipt_number in by_address["anon@example.jp"].body

    # A late letter withdraws the table; publishing again tells nobody twice ...
    services.enter_opinion(consultation, services.OpinionInput(text="遅れた手紙。"), channel="post", received_at=None, staff=staff["clerk"])
    _publish(consultation, staff)
    run_tasks()
    assert len(mailoutbox) == 2
    # ... but a new web opinion's author (here after reopening) is told, with all their numbers.
    consultation.ends_on = timezone.localdate() + dt.timedelta(days=1)
    consultation.save()
    third = _web_opinion(consultation, "申請の進み具合を知らせてください。", user=member)
    _publish(consultation, staff)
    run_tasks()
    assert len(mailoutbox) == 3 and third.receipt_number in mailoutbox[-1].body


def test_purged_submitter_is_not_contacted(consultation, staff, mailoutbox, run_tasks):
    from madoguchi.participation.models import Opinion

    opinion = _web_opinion(consultation, "公衆無線LANを増やして。", email="gone@example.jp")
    Opinion.objects.filter(pk=opinion.pk).update(email="", personal_data_purged=True)
    run_tasks()
    mailoutbox.clear()
    _publish(consultation, staff)
    assert not Task.objects.filter(name="core.send_email", status="pending").exists()
    run_tasks()
    assert mailoutbox == []
