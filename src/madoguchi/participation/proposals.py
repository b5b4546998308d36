"""Proposal rules (提案): posting with near-duplicate warning, supports (one per account) and
the threshold that sends a proposal to its section, threaded comments, reports (通報) into the
moderation queue, hiding with a stated reason, and the official answer notified to the author
and supporters on the channels they chose. Every moderation action is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from madoguchi.core import audit
from madoguchi.core.models import AuditLog, Section

from . import conf
from .campaigns import note_comment
from .models import CitySettings, Comment, Proposal, ProposalPlanItem, Report, Support
from .text import similarity, text_hash


def support_threshold(municipality) -> int:
    row = CitySettings.objects.filter(municipality=municipality).first()
    return row.support_threshold if row else CitySettings._meta.get_field("support_threshold").default


def similar_proposals(title: str, body: str, *, exclude_pk: int | None = None, limit: int = 3) -> list[Proposal]:
    """Visible proposals that are the same or nearly the same idea (warned about, with a link)."""
    threshold = conf.similarity_threshold()
    digest = text_hash(title + body)
    found = []
    for p in Proposal.objects.filter(hidden_reason="").exclude(pk=exclude_pk).order_by("-created_at")[:500]:
        if p.text_hash == digest or similarity(p.title + p.body, title + body) >= threshold:
            found.append(p)
            if len(found) >= limit:
                break
    return found


def default_section(municipality):
    """New proposals wait in 情報政策課's queue until staff give them to another section."""
    return Section.objects.filter(municipality=municipality, is_information_policy=True).first()


def post_proposal(*, title: str, body: str, author, municipality) -> Proposal:
    if not title.strip() or not body.strip():
        raise ValidationError({"title": ["題名と内容を入力してください。"]})
    return Proposal.objects.create(
        municipality=municipality,
        section=default_section(municipality),
        author=author,
        title=title.strip(),
        body=body.strip(),
        text_hash=text_hash(title + body),
    )


def support(proposal: Proposal, user) -> bool:
    """One support per account; False when already given. Reaching the city's threshold puts
    the proposal in its section's queue."""
    if proposal.is_hidden:
        raise ValidationError("非表示の提案には賛同できません。")
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, municipality_id=proposal.municipality_id, user=user)
            Proposal.objects.filter(pk=proposal.pk).update(supports_count=F("supports_count") + 1)
    except IntegrityError:
        return False
    proposal.refresh_from_db(fields=["supports_count", "status"])
    if proposal.status == Proposal.Status.OPEN and proposal.supports_count >= support_threshold(proposal.municipality):
        Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.OPEN).update(status=Proposal.Status.QUEUED)
        proposal.status = Proposal.Status.QUEUED
    return True


def comment(proposal: Proposal, *, body: str, author, parent_id: int | None = None) -> Comment:
    if proposal.is_hidden:
        raise ValidationError("非表示の提案にはコメントできません。")
    parent = Comment.objects.filter(pk=parent_id, proposal=proposal).first() if parent_id else None
    if duplicate_comment(proposal, author, body) is not None:
        raise ValidationError("同じ内容（またはほとんど同じ内容）のコメントを、この提案にすでに投稿しています。")
    with transaction.atomic():
        made = Comment.objects.create(
            proposal=proposal, municipality_id=proposal.municipality_id, parent=parent, author=author, body=body.strip(), text_hash=text_hash(body)
        )
        note_comment(made)  # the same words from several accounts: flagged to staff, not refused
    return made


def duplicate_comment(proposal: Proposal, author, body: str) -> Comment | None:
    """The author's own earlier comment on this proposal that says the same (normalised hash or
    difflib ≥ threshold): a repeat is refused. The same words from different people (「賛成です」)
    are each their own comment."""
    if author is None:
        return None
    threshold, digest = conf.similarity_threshold(), text_hash(body)
    for earlier in Comment.objects.filter(proposal=proposal, author=author).order_by("-id")[:50]:
        if text_hash(earlier.body) == digest or similarity(earlier.body, body) >= threshold:
            return earlier
    return None


def report(proposal: Proposal, *, reason: str, reporter, comment_id: int | None = None) -> Report:
    target = Comment.objects.filter(pk=comment_id, proposal=proposal).first() if comment_id else None
    return Report.objects.create(proposal=proposal, municipality_id=proposal.municipality_id, comment=target, reporter=reporter, reason=reason.strip())


def hide(target: Proposal | Comment, *, reason: str, staff, request=None) -> None:
    """Hide a proposal or comment; the reason stays visible in its place."""
    if not reason.strip():
        raise ValidationError({"reason": ["非表示にする理由を入力してください。理由は公開されます。"]})
    target.hidden_reason = reason.strip()
    target.save(update_fields=["hidden_reason"])
    proposal = target if isinstance(target, Proposal) else target.proposal
    now = timezone.now()
    Report.objects.filter(proposal=proposal, resolved_at__isnull=True, comment=None if isinstance(target, Proposal) else target).update(
        resolved_at=now, resolved_by=staff
    )
    audit.record(AuditLog.Action.UPDATE, target, request=request, actor=staff, detail={"moderation": "hide", "reason": target.hidden_reason})


def dismiss_report(item: Report, *, staff, request=None) -> None:
    item.resolved_at, item.resolved_by = timezone.now(), staff
    item.save(update_fields=["resolved_at", "resolved_by"])
    audit.record(AuditLog.Action.UPDATE, item.proposal, request=request, actor=staff, detail={"moderation": "dismiss_report", "report": item.pk})


def answer(proposal: Proposal, *, outcome: str, text: str, staff, request=None, easy_text: str = "") -> None:
    """The official answer (検討中・採用・一部採用・不採用 with the reason), sent to the author and
    every supporter on the channels each chose (``alerts.personal.notify_user``: their alert
    subscriptions' email, Web Push, LINE; else the account's email), through the outbox."""
    from madoguchi.alerts.personal import notify_user
    from madoguchi.core.links import absolute_url

    if outcome not in Proposal.Outcome.values or not outcome:
        raise ValidationError({"outcome": ["結果を選んでください。"]})
    if not text.strip():
        raise ValidationError({"answer": ["回答（理由）を入力してください。"]})
    with transaction.atomic():
        proposal.outcome, proposal.answer, proposal.easy_answer = outcome, text.strip(), easy_text.strip()
        proposal.status, proposal.answered_at, proposal.answered_by = Proposal.Status.ANSWERED, timezone.now(), staff
        proposal.save(update_fields=["outcome", "answer", "easy_answer", "status", "answered_at", "answered_by"])
        audit.record(AuditLog.Action.UPDATE, proposal, request=request, actor=staff, detail={"moderation": "answer", "outcome": outcome})
        recipients = {proposal.author} if proposal.author else set()
        recipients |= {s.user for s in proposal.supports.select_related("user")}
        stamp = int(proposal.answered_at.timestamp())
        url = absolute_url("participation:proposal_detail", proposal.pk, municipality=proposal.municipality)
        for user in sorted(recipients, key=lambda u: u.pk):
            notify_user(
                user,
                "participation/email/proposal_answer",
                {"proposal": proposal, "is_author": user == proposal.author},
                url=url,
                municipality=proposal.municipality,
                dedupe_key=f"participation.answer:{proposal.pk}:{user.pk}:{stamp}",
            )


def assign_section(proposal: Proposal, section, *, staff, request=None) -> None:
    """Give the proposal to another section's queue."""
    previous = proposal.section_id
    proposal.section = section
    proposal.save(update_fields=["section"])
    audit.record(AuditLog.Action.UPDATE, proposal, request=request, actor=staff, detail={"moderation": "assign_section", "from": previous, "to": section.pk})


def link_plan_items(proposal: Proposal, plan_item_ids: list[int], *, staff, request=None) -> None:
    """Link the proposal to plan items (計画の取組) by id, as consultations and surveys. Audited."""
    with transaction.atomic():
        ProposalPlanItem.objects.filter(proposal=proposal).exclude(plan_item_id__in=plan_item_ids).delete()
        for item_id in plan_item_ids:
            ProposalPlanItem.objects.get_or_create(proposal=proposal, municipality_id=proposal.municipality_id, plan_item_id=item_id)
        audit.record(AuditLog.Action.UPDATE, proposal, request=request, actor=staff, detail={"plan_items": plan_item_ids})


def proposals_for_item(plan_item_id: int):
    """Visible proposals linked to a plan item (as ``services.consultations_for_item``)."""
    return Proposal.objects.filter(plan_links__plan_item_id=plan_item_id, hidden_reason="")
