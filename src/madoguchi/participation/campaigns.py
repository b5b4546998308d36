"""Near-duplicate comments across accounts (同じ内容のコメント — organised campaigns, spam):
grouped and flagged to staff, never refused. The same words from several people may be honest
agreement; staff look at the group and decide (確認済み, or hide the whole group with a reason,
shown in place of each comment as any hidden comment). Every decision is audited.

Rule (``note_comment``, run when a comment is posted):
- texts shorter than ``PARTICIPATION_CAMPAIGN_MIN_LENGTH`` (20) normalised characters are never
  grouped: 「賛成です」 from many people is ordinary;
- a comment joins a campaign whose comments say the same (normalised hash, or difflib ≥
  ``PARTICIPATION_SIMILARITY``) within ``PARTICIPATION_CAMPAIGN_DAYS`` (7) on any proposal of
  the city; a campaign that grows after a review becomes 未確認 again;
- otherwise a campaign is made once the same text comes from ``PARTICIPATION_CAMPAIGN_ACCOUNTS``
  (3) accounts — the last 500 comments of the window are compared."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from madoguchi.core import audit
from madoguchi.core.models import AuditLog
from madoguchi.core.permissions import scope

from . import conf
from .models import Comment, CommentCampaign, Proposal
from .text import normalise, similarity, text_hash

SCAN = 500


def _alike(a: Comment, body: str, digest: str, threshold: float) -> bool:
    if a.text_hash == digest:
        return True
    la, lb = len(normalise(a.body)), len(normalise(body))
    if not la or 2 * min(la, lb) / (la + lb) < threshold:  # difflib's ratio cannot reach it: skip the O(n·m) match
        return False
    return similarity(a.body, body) >= threshold


def note_comment(comment: Comment) -> CommentCampaign | None:
    """Group ``comment`` with the same comment from other accounts (see the module)."""
    if len(normalise(comment.body)) < conf.campaign_min_length():
        return None
    digest, threshold = comment.text_hash or text_hash(comment.body), conf.similarity_threshold()
    since = timezone.now() - dt.timedelta(days=conf.campaign_days())
    recent = list(
        Comment.objects.filter(created_at__gte=since).exclude(pk=comment.pk).only("id", "body", "text_hash", "author_id", "campaign_id").order_by("-id")[:SCAN]
    )
    alike = [c for c in recent if _alike(c, comment.body, digest, threshold)]
    with transaction.atomic():
        campaign_id = next((c.campaign_id for c in alike if c.campaign_id), None)
        if campaign_id is None:
            accounts = {c.author_id for c in alike if c.author_id} | {comment.author_id}
            if len(accounts - {None}) < conf.campaign_accounts():
                return None
            first = min(alike, key=lambda c: c.pk)
            campaign = CommentCampaign.objects.create(
                municipality_id=comment.municipality_id, text_hash=first.text_hash or text_hash(first.body), excerpt=first.body[:200]
            )
            Comment.objects.filter(pk__in=[c.pk for c in alike if c.campaign_id is None]).update(campaign=campaign)
        else:
            campaign = CommentCampaign.objects.select_for_update().get(pk=campaign_id)
            if campaign.status == CommentCampaign.Status.REVIEWED:
                campaign.status = CommentCampaign.Status.OPEN  # it grew after the review: look again
        comment.campaign = campaign
        comment.save(update_fields=["campaign"])
        stats = Comment.objects.filter(campaign=campaign).aggregate(first=Min("created_at"), last=Max("created_at"))
        campaign.first_at, campaign.last_at = stats["first"], stats["last"]
        campaign.save(update_fields=["status", "first_at", "last_at"])
    return campaign


def visible_campaigns(user):
    """Campaigns with a comment on a proposal the staff member may see, with their counts."""
    proposals = scope(user, Proposal.objects.all())
    return (
        CommentCampaign.objects.filter(comments__proposal__in=proposals)
        .annotate(
            n_comments=Count("comments", distinct=True),
            n_accounts=Count("comments__author", distinct=True),
            n_proposals=Count("comments__proposal", distinct=True),
            n_hidden=Count("comments", filter=~Q(comments__hidden_reason=""), distinct=True),
        )
        .distinct()
    )


def members(campaign: CommentCampaign) -> list[dict]:
    """The campaign's comments for staff: proposal, time, text and the author as 「アカウント N」
    (numbered within the campaign — how many accounts, not who: no personal data shown)."""
    numbers: dict[int | None, int] = {}
    rows = []
    for c in campaign.comments.select_related("proposal").order_by("created_at", "id"):
        number = numbers.setdefault(c.author_id, len(numbers) + 1)
        rows.append({"comment": c, "proposal": c.proposal, "account": number})
    return rows


def review(campaign: CommentCampaign, *, staff, request=None) -> None:
    """確認済み（問題なし）: honest agreement; the comments stay."""
    campaign.status, campaign.reviewed_by, campaign.reviewed_at = CommentCampaign.Status.REVIEWED, staff, timezone.now()
    campaign.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    audit.record(AuditLog.Action.UPDATE, campaign, request=request, actor=staff, detail={"moderation": "campaign_reviewed"})


def hide_all(campaign: CommentCampaign, *, reason: str, staff, request=None) -> int:
    """Hide every visible comment of the campaign with one stated reason (each shows it in its
    place, as a comment hidden alone). Audited once for the campaign, with the comment ids."""
    from .proposals import hide

    if not reason.strip():
        raise ValidationError({"reason": ["非表示にする理由を入力してください。理由は公開されます。"]})
    with transaction.atomic():
        hidden = []
        for c in campaign.comments.filter(hidden_reason="").select_related("proposal"):
            hide(c, reason=reason, staff=staff, request=request)
            hidden.append(c.pk)
        campaign.status, campaign.reviewed_by, campaign.reviewed_at = CommentCampaign.Status.HIDDEN, staff, timezone.now()
        campaign.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        audit.record(AuditLog.Action.UPDATE, campaign, request=request, actor=staff, detail={"moderation": "campaign_hidden", "comments": hidden})
    return len(hidden)
