"""Proposals (提案): posting with the near-duplicate warning, one support per account and the
threshold, threaded comments, reports and moderation (audited), the answer emailed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog
from madoguchi.participation import proposals
from madoguchi.participation.models import CitySettings, Proposal, Report


@pytest.fixture
def residents(city):
    User = get_user_model()
    return [User.objects.create_user(email=f"r{i}@example.jp", password="x" * 12) for i in range(3)]


@pytest.fixture
def proposal(city, residents):
    return proposals.post_proposal(
        title="公園にベンチを増やす", body="中央公園のベンチが足りません。日陰のベンチを増やしてください。", author=residents[0], municipality=city
    )


def test_post_requires_sign_in_and_warns_of_near_duplicates(client, city, residents, proposal):
    resp = client.get(reverse("participation:proposal_new"))
    assert resp.status_code in (302, 403) or "ログイン" in resp.content.decode()
    client.force_login(residents[1])
    data = {"title": "公園にベンチを増やしてほしい", "body": "中央公園のベンチが足りません。日陰のベンチを増やしてください！"}
    resp = client.post(reverse("participation:proposal_new"), data)
    html = resp.content.decode()
    assert resp.status_code == 200 and "よく似た提案がすでにあります" in html
    assert reverse("participation:proposal_detail", args=[proposal.pk]) in html
    assert Proposal.objects.count() == 1
    resp = client.post(reverse("participation:proposal_new"), {**data, "post_anyway": "1"})
    assert resp.status_code == 302 and Proposal.objects.count() == 2


def test_one_support_per_user_and_threshold_queues(client, city, residents, proposal):
    CitySettings.objects.create(municipality=city, support_threshold=2)
    assert proposals.support(proposal, residents[1]) is True
    assert proposals.support(proposal, residents[1]) is False
    proposal.refresh_from_db()
    assert proposal.supports_count == 1 and proposal.status == Proposal.Status.OPEN
    client.force_login(residents[2])
    client.post(reverse("participation:proposal_support", args=[proposal.pk]))
    proposal.refresh_from_db()
    assert proposal.supports_count == 2 and proposal.status == Proposal.Status.QUEUED


def test_threaded_comments_and_report_feed_the_queue(client, city, residents, proposal):
    client.force_login(residents[1])
    client.post(reverse("participation:proposal_comment", args=[proposal.pk]), {"body": "賛成です"})
    first = proposal.comments.get()
    client.post(reverse("participation:proposal_comment", args=[proposal.pk]), {"body": "私も", "parent": first.pk})
    reply = proposal.comments.exclude(pk=first.pk).get()
    assert reply.parent == first
    html = client.get(reverse("participation:proposal_detail", args=[proposal.pk])).content.decode()
    assert "comment--depth-1" in html
    client.logout()
    client.post(reverse("participation:proposal_report", args=[proposal.pk]), {"reason": "宣伝です", "comment": reply.pk})
    assert Report.objects.get().comment == reply


def test_staff_hide_with_reason_answer_and_notify(client, city, residents, proposal, staff, mailoutbox, run_tasks):
    proposals.support(proposal, residents[1])
    Report.objects.create(proposal=proposal, municipality=city, reason="不適切")
    login_staff(client, staff["clerk"])
    url = reverse("participation:staff_proposal", args=[proposal.pk])
    assert client.get(reverse("participation:staff_proposals")).status_code == 200
    resp = client.post(url, {"action": "answer", "outcome": "partly", "answer": "一部の公園で設置します。"})
    assert resp.status_code == 302
    run_tasks()
    assert sorted(m.to[0] for m in mailoutbox) == ["r0@example.jp", "r1@example.jp"]
    assert "一部採用" in mailoutbox[0].body
    client.post(url, {"action": "hide", "reason": "個人への攻撃を含むため"})
    proposal.refresh_from_db()
    assert proposal.hidden_reason == "個人への攻撃を含むため"
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    client.logout()
    html = client.get(reverse("participation:proposal_detail", args=[proposal.pk])).content.decode()
    assert "個人への攻撃を含むため" in html and "中央公園のベンチ" not in html
    moderation = AuditLog.objects.filter(target_type="participation.proposal", target_id=str(proposal.pk)).values_list("detail", flat=True)
    assert {d.get("moderation") for d in moderation} >= {"answer", "hide"}


def test_other_section_cannot_moderate(client, city, proposal, staff):
    login_staff(client, staff["other"])
    assert client.get(reverse("participation:staff_proposal", args=[proposal.pk])).status_code == 404
