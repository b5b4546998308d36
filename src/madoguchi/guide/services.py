"""Domain rules of the guide app: editing a guide's rules through a second person's review,
building a resident's checklist, saving and ticking it off, emailing it and the reminders."""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.applications.models import Procedure
from madoguchi.core import audit, notify, permissions
from madoguchi.core.links import absolute_url
from madoguchi.core.models import AuditLog
from madoguchi.core.registry import procedure_windows

from . import conf, definition
from .models import Guide, GuideVersion, SavedChecklist

Status = GuideVersion.Status
A = AuditLog.Action


def procedures_for(defn) -> dict:
    """slug → Procedure of the active city (published or not) for every slug the rules name."""
    slugs = definition.procedure_slugs(defn)
    if not slugs:
        return {}
    return {p.slug: p for p in Procedure.objects.filter(slug__in=slugs).select_related("section")}


def _windows(procedure) -> list:
    # Where it is done in person comes from the app that keeps the counters (one source of truth).
    return [w for plugin in procedure_windows.values() for w in plugin.windows(procedure)]


def problems(defn) -> list[str]:
    return definition.problems(defn, procedures_for(defn))


def checklist(version: GuideVersion, answers: dict, *, event_date: dt.date | None = None, language: str = "ja") -> definition.Checklist:
    defn = version.definition
    return definition.build(
        defn,
        definition.clean_answers(defn, answers),
        event_date=event_date,
        procedures=procedures_for(defn),
        windows=_windows,
        municipality=version.municipality,
        language=language,
    )


def published_guides():
    return Guide.objects.filter(published__isnull=False).select_related("published", "section")


# --- editing and review (ルールの編集と承認) ----------------------------------------------------


def create_guide(*, section, slug: str, title: str, user, request=None) -> Guide:
    permissions.require(user, "change", section)
    if Guide.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": "この識別子のガイドはすでにあります。別の識別子にしてください。"})
    guide = Guide.objects.create(section=section, slug=slug)
    GuideVersion.objects.create(guide=guide, number=1, author=user, definition={"title": {"ja": title}, "questions": [], "groups": []})
    audit.record(A.CREATE, guide, request=request, detail={"slug": slug})
    return guide


def editable_draft(guide: Guide, user, request=None) -> GuideVersion:
    """The guide's draft (or rejected version) to edit; a new draft from the published version
    when there is none. A version waiting for review is not edited under the reviewer's eyes."""
    permissions.require(user, "change", guide)
    draft = guide.versions.filter(status__in=[Status.DRAFT, Status.REJECTED]).order_by("-number").first()
    if draft is not None:
        return draft
    if guide.versions.filter(status=Status.PENDING).exists():
        raise ValidationError("承認待ちの版があります。承認されるか差し戻されてから編集してください。")
    base = guide.published or guide.versions.order_by("-number").first()
    number = (guide.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    draft = GuideVersion.objects.create(guide=guide, number=number, author=user, definition=base.definition if base else {})
    audit.record(A.CREATE, draft, request=request, detail={"from": base.number if base else None})
    return draft


def parse(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError({"definition": f"JSON として読めません（{exc.lineno}行目 {exc.colno}文字目: {exc.msg}）。"}) from None
    if not isinstance(value, dict):
        raise ValidationError({"definition": "定義は { } で囲んだ JSON のオブジェクトにしてください。"})
    return value


def save_draft(version: GuideVersion, defn: dict, user, request=None) -> GuideVersion:
    """Keep the staff member's edit as the draft. Problems are shown but do not stop saving;
    they stop sending it for review."""
    permissions.require(user, "change", version.guide)
    if version.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError("この版は編集できません（承認待ちまたは公開済み）。")
    for value in definition._strings(defn):
        from madoguchi.core.validation import refuse_my_number

        refuse_my_number(value, "質問とルール", "definition")
    version.definition = defn
    version.status = Status.DRAFT
    version.author = user
    version.save()
    audit.record(A.UPDATE, version, request=request, detail={"number": version.number})
    return version


def submit(version: GuideVersion, user, request=None) -> GuideVersion:
    """承認依頼: refused while a rule names a missing or unpublished procedure."""
    permissions.require(user, "change", version.guide)
    if version.status != Status.DRAFT:
        raise ValidationError("下書きの版だけを承認依頼できます。")
    found = problems(version.definition)
    if found:
        raise ValidationError(found)
    version.status = Status.PENDING
    version.submitted_at = timezone.now()
    version.author = version.author or user
    version.save()
    audit.record(A.UPDATE, version, request=request, detail={"number": version.number, "status": "pending"})
    return version


def can_review(user, version: GuideVersion) -> bool:
    return version.status == Status.PENDING and version.author_id != user.pk and permissions.can(user, "approve", version.guide)


def approve(version: GuideVersion, user, request=None) -> GuideVersion:
    """公開: a second person (not the last editor) with 承認 rights in the guide's section."""
    if version.author_id == user.pk:
        raise PermissionDenied("自分で編集した版は承認できません。別の職員に承認を依頼してください。")
    permissions.require(user, "approve", version.guide)
    with transaction.atomic():
        version = GuideVersion.objects.select_for_update().select_related("guide").get(pk=version.pk)
        if version.status != Status.PENDING:
            raise ValidationError("承認待ちの版ではありません。")
        found = problems(version.definition)  # a procedure may have been unpublished since
        if found:
            raise ValidationError(found)
        guide = version.guide
        guide.versions.filter(status=Status.PUBLISHED).update(status=Status.SUPERSEDED)
        version.status = Status.PUBLISHED
        version.reviewer = user
        version.reviewed_at = timezone.now()
        version.save()
        guide.published = version
        guide.save(update_fields=["published"])
        audit.record(A.APPROVE, version, request=request, detail={"number": version.number})
        from . import sharing  # sharing builds on these services

        sharing.follow_publish(version)  # a shared guide offers its newest published version
    return version


def reject(version: GuideVersion, user, comment: str, request=None) -> GuideVersion:
    if version.author_id == user.pk:
        raise PermissionDenied("自分で編集した版は差し戻せません。")
    permissions.require(user, "approve", version.guide)
    if version.status != Status.PENDING:
        raise ValidationError("承認待ちの版ではありません。")
    if not comment.strip():
        raise ValidationError({"comment": "差し戻しの理由を入れてください。"})
    version.status = Status.REJECTED
    version.review_comment = comment.strip()
    version.reviewer = user
    version.reviewed_at = timezone.now()
    version.save()
    audit.record(A.UPDATE, version, request=request, detail={"number": version.number, "status": "rejected"})
    return version


# --- the resident's checklist --------------------------------------------------------------------


def save_checklist(user, guide: Guide, answers: dict, event_date, language: str) -> SavedChecklist:
    version = guide.published
    return SavedChecklist.objects.create(
        user=user, guide=guide, version=version, answers=definition.clean_answers(version.definition, answers), event_date=event_date, language=language
    )


def saved_checklist(saved: SavedChecklist) -> definition.Checklist:
    result = checklist(saved.version, saved.answers, event_date=saved.event_date, language=saved.language)
    for step in result.steps:
        step.done = step.key in saved.done
    return result


def set_done(saved: SavedChecklist, key: str, done: bool) -> None:
    keys = {s.key for s in saved_checklist(saved).steps}
    if key not in keys:
        raise ValidationError("この手続はチェックリストにありません。")
    current = [k for k in saved.done if k != key]
    saved.done = current + [key] if done else current
    saved.save(update_fields=["done", "updated_at"])


def email_checklist(to: str, guide: Guide, result: definition.Checklist, query: dict, language: str) -> None:
    """The checklist to the resident's own address (no answers beyond the list itself)."""
    url = absolute_url("guide:checklist", guide.slug, query=query)
    notify.send_template(
        to, "guide/email/checklist", {"checklist": result, "url": url}, municipality=guide.municipality, language="en" if language == "en" else "ja"
    )


def send_reminders(today: dt.date | None = None) -> int:
    """期限のお知らせ: one notice per saved checklist that has steps, not ticked off, due within
    ``GUIDE_REMINDER_DAYS``, through the one-user send (``alerts.personal.notify_user``: the
    channels the resident chose — email, LINE, Web Push — else the account's email); each step is
    reminded once (``reminded``), so a rerun sends nothing."""
    from madoguchi.alerts.personal import notify_user
    from madoguchi.core import tenancy

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=conf.reminder_days())
    sent = 0
    rows = SavedChecklist.objects.filter(reminders=True, event_date__isnull=False).select_related("user", "guide", "version", "municipality")
    for saved in rows.order_by("id").iterator():
        with tenancy.using(saved.municipality):
            due = [s for s in saved_checklist(saved).steps if s.deadline and today <= s.deadline <= horizon and not s.done and s.key not in saved.reminded]
            if not due:
                continue
            url = absolute_url("guide:my_detail", saved.pk, municipality=saved.municipality)
            with transaction.atomic():
                notify_user(
                    saved.user,
                    "guide/email/reminder",
                    {"steps": due, "guide_title": saved.version.title, "url": url},
                    url=url,
                    dedupe_key=f"guide-reminder:{saved.pk}:{','.join(s.key for s in due)}",
                    municipality=saved.municipality,
                )
                saved.reminded = saved.reminded + [s.key for s in due]
                saved.save(update_fields=["reminded"])
            sent += 1
    return sent
