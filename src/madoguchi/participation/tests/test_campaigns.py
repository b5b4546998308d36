"""Near-duplicate comments across accounts (organised campaigns, spam): grouped and flagged to
staff, never refused; staff see the groups, mark them reviewed or hide them with a reason."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog
from madoguchi.participation import campaigns, proposals
from madoguchi.participation.models import Comment, CommentCampaign

CAMPAIGN = "この提案には反対です。市の予算は道路の補修に使うべきだと考えます。"


@pytest.fixture
def accounts(city):
    User = get_user_model()
    return [User.objects.create_user(email=f"c{i}@example.jp", password="x" * 12) for i in range(6)]


@pytest.fixture
def two_proposals(city, accounts):
    return [proposals.post_proposal(title=f"提案{i}", body=f"提案{i}の内容です。", author=accounts[0], municipality=city) for i in range(2)]


def _variant(i: int) -> str:
    # what a campaign sends: the same text with small edits (punctuation, width, a word)
    return [CAMPAIGN, CAMPAIGN.replace("。", "！"), "ｺﾉ" + CAMPAIGN[2:], CAMPAIGN.replace("考えます", "思います"), CAMPAIGN + "よろしく"][i % 5]


def test_same_comment_from_three_accounts_is_flagged_not_refused(two_proposals, accounts):
    a, b = two_proposals
    first = proposals.comment(a, body=_variant(0), author=accounts[1])
    second = proposals.comment(b, body=_variant(1), author=accounts[2])
    assert first.campaign_id is None and second.campaign_id is None  # two accounts: nothing yet
    third = proposals.comment(a, body=_variant(2), author=accounts[3])
    campaign = third.campaign
    assert campaign is not None and campaign.status == CommentCampaign.Status.OPEN
    assert set(campaign.comments.values_list("pk", flat=True)) == {first.pk, second.pk, third.pk}
    later = proposals.comment(b, body=_variant(3), author=accounts[4])
    assert later.campaign == campaign  # a near-duplicate joins the group
    assert Comment.objects.filter(hidden_reason="").count() == 4  # every one was posted
    counted = CommentCampaign.objects.get(pk=campaign.pk)
    assert counted.first_at <= counted.last_at


def test_short_agreement_and_one_author_are_not_campaigns(two_proposals, accounts):
    a, b = two_proposals
    for account in accounts[1:]:
        assert proposals.comment(a, body="賛成です！", author=account).campaign_id is None
    different = ["図書館の開館時間を延ばしてください。平日は夜まで開いてほしいです。", "公園のトイレを洋式にしてほしいです。子どもが使いにくいです。"]
    for i, text in enumerate(different):
        assert proposals.comment(b, body=text, author=accounts[i + 1]).campaign_id is None
    assert not CommentCampaign.objects.exists()


def test_staff_see_groups_review_and_hide_them_audited(client, city, staff, two_proposals, accounts):
    a, b = two_proposals
    for i in range(1, 4):
        proposals.comment(a if i % 2 else b, body=_variant(i), author=accounts[i])
    campaign = CommentCampaign.objects.get()
    login_staff(client, staff["clerk"])
    page = client.get(reverse("participation:staff_proposals")).content.decode()
    assert "未確認のまとまり 1件" in page
    page = client.get(reverse("participation:staff_campaigns")).content.decode()
    assert "3件・3アカウント・提案2件" in page
    detail_url = reverse("participation:staff_campaign", args=[campaign.pk])
    page = client.get(detail_url).content.decode()
    assert "アカウント3" in page and "c1@example.jp" not in page  # how many accounts, not who

    client.post(detail_url, {"action": "review"})
    campaign.refresh_from_db()
    assert campaign.status == CommentCampaign.Status.REVIEWED
    proposals.comment(a, body=_variant(4), author=accounts[5])
    campaign.refresh_from_db()
    assert campaign.status == CommentCampaign.Status.OPEN  # it grew after the review

    resp = client.post(detail_url, {"action": "hide_all", "reason": ""})
    assert resp.status_code == 200 and "理由" in resp.content.decode() and not Comment.objects.exclude(hidden_reason="").exists()
    client.post(detail_url, {"action": "hide_all", "reason": "同じ内容の大量投稿のため"})
    campaign.refresh_from_db()
    assert campaign.status == CommentCampaign.Status.HIDDEN
    assert set(Comment.objects.values_list("hidden_reason", flat=True)) == {"同じ内容の大量投稿のため"}
    details = list(AuditLog.objects.filter(target_type="participation.commentcampaign").values_list("detail", flat=True))
    assert {d["moderation"] for d in details} == {"campaign_reviewed", "campaign_hidden"}
    public = client.get(reverse("participation:proposal_detail", args=[a.pk])).content.decode()
    assert "同じ内容の大量投稿のため" in public


def test_other_section_does_not_see_the_group(client, city, staff, two_proposals, accounts):
    for i in range(1, 4):
        proposals.comment(two_proposals[0], body=_variant(i), author=accounts[i])
    campaign = CommentCampaign.objects.get()
    login_staff(client, staff["other"])
    page = client.get(reverse("participation:staff_campaigns")).content.decode()
    assert "ありません。" in page.split("未確認のまとまり")[1].split("対応済みのまとまり")[0]
    assert not campaigns.visible_campaigns(staff["other"]).exists() and campaigns.visible_campaigns(staff["clerk"]).exists()
    assert client.get(reverse("participation:staff_campaign", args=[campaign.pk])).status_code == 404
    assert client.post(reverse("participation:staff_campaign", args=[campaign.pk]), {"action": "review"}).status_code == 404
