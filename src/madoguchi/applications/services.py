"""Domain rules of online applications (電子申請): drafts, idempotent submission, receipt
numbers, the status workflow, messages, retention. Views, the API and tests call these."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from madoguchi.core import audit, notify, rawsql, validation
from madoguchi.core.links import absolute_url
from madoguchi.core.models import AuditLog
from madoguchi.core.tasks import enqueue
from madoguchi.core.wareki import fiscal_year
from madoguchi.forms.engine import FormEngine

from . import fees, queries
from .models import Procedure, ReceiptCounter, Submission, SubmissionEvent

S = Submission.Status

# Which status a case may move to, and who moves it.
STAFF_TRANSITIONS: dict[str, set[str]] = {
    S.RECEIVED: {S.REVIEWING, S.CORRECTION, S.COMPLETED, S.REJECTED},
    S.REVIEWING: {S.CORRECTION, S.COMPLETED, S.REJECTED, S.RECEIVED},
    S.CORRECTION: {S.REVIEWING, S.REJECTED},
}
WITHDRAWABLE = {S.RECEIVED, S.REVIEWING, S.CORRECTION}
CLOSED = {S.COMPLETED, S.REJECTED, S.WITHDRAWN}
DRAFT_RETENTION_DAYS = getattr(settings, "APPLICATION_DRAFT_RETENTION_DAYS", 90)


class WorkflowError(ValidationError):
    """A status change the workflow does not allow (message in Japanese)."""


@dataclass
class PageOutcome:
    ok: bool
    errors: dict
    dropped: list[str] = ()  # 「label」: why — typed but not kept (said when saving a draft)
    masked: list[str] = ()  # labels of transcribed fields stored with a マイナンバー masked


def engine_for(submission: Submission) -> FormEngine:
    if submission.channel == Submission.Channel.COUNTER:
        from . import counter

        return counter.engine(submission.form_version)  # contact details optional (受付票 instead)
    return FormEngine(submission.form_version)


# --- drafts -------------------------------------------------------------------------------


def start_draft(procedure: Procedure, *, user=None, session_key: str = "", channel=Submission.Channel.ONLINE, taken_by=None) -> Submission:
    """Open (or resume) a draft. A resident has at most one open draft per procedure, so the
    "apply" button never creates clutter and a half-filled form is found again."""
    if channel == Submission.Channel.COUNTER:
        if not procedure.can_take_at_counter:
            raise ValidationError("この手続には申請フォームがないため、窓口モードで受け付けられません。")
    elif not procedure.can_apply_online:
        raise ValidationError("この手続はオンラインで申請できません。")
    version = procedure.form.published_version()
    if version is None:
        raise ValidationError("この手続の申請フォームは準備中です。")
    if channel == Submission.Channel.ONLINE:
        existing = Submission.objects.filter(procedure=procedure, status=S.DRAFT, channel=channel)
        existing = existing.filter(applicant=user) if user else existing.filter(applicant=None, session_key=session_key)
        draft = existing.order_by("-updated_at").first()
        if draft:
            return draft
    answers = FormEngine(version).prefill(user) if user and channel == Submission.Channel.ONLINE else {}
    return Submission.objects.create(
        municipality_id=procedure.municipality_id,
        procedure=procedure,
        section=procedure.section,
        form_version=version,
        applicant=user if channel == Submission.Channel.ONLINE else None,
        session_key="" if user else session_key,
        answers=answers,
        channel=channel,
        taken_by=taken_by,
    )


def save_page(submission: Submission, page: int, data, files, *, owner=None, validate: bool = True) -> PageOutcome:
    """Store one page's input. Invalid input is still kept (a draft never loses what was typed);
    ``ok`` says whether the resident may go on."""
    if submission.status not in (S.DRAFT, S.CORRECTION):
        raise WorkflowError("この申請は受付済みのため、内容を変更できません。")
    engine = engine_for(submission)
    result = engine.validate_page(page, data, files, submission.answers, owner=owner)
    submission.answers = result.answers
    submission.current_page = page
    submission.save(update_fields=["answers", "current_page", "updated_at"])
    errors = result.errors if validate else {}
    dropped = [message for key, message in result.dropped.items() if key in engine.fields]
    masked = [engine.fields[key].label for key in result.masked]
    if masked:
        # The flag: an internal note on the case (never the number); the page says it too.
        SubmissionEvent.objects.create(
            submission=submission,
            kind=SubmissionEvent.Kind.NOTE,
            body="転記した"
            + "・".join(f"「{label}」" for label in masked)
            + "にマイナンバー（個人番号）と思われる番号があったため、「[個人番号]」に置き換えて保存しました。",
            visible_to_applicant=False,
        )
    return PageOutcome(ok=not errors, errors=errors, dropped=dropped, masked=masked)


# --- submission ---------------------------------------------------------------------------


@functools.cache
def _receipt_bump_sql(vendor: str) -> str:
    """The city's year's counter advanced and read in one statement (the ORM's update() returns
    no values); table and columns from the model's metadata."""
    last, year = rawsql.column(ReceiptCounter, "last"), rawsql.column(ReceiptCounter, "fiscal_year")
    city = rawsql.column(ReceiptCounter, "municipality")
    return f"UPDATE {rawsql.table(ReceiptCounter)} SET {last} = {last} + 1 WHERE {city} = %s AND {year} = %s RETURNING {last}"


def next_receipt_number(today: dt.date | None = None, municipality_id: int | None = None) -> str:
    """受付番号 like ``2026-000123`` (fiscal year and a sequence), unique across processes
    within the city (``municipality_id``: the case's; by default the active city, else the
    deployment's default city). Each city counts its own.

    One ``UPDATE … RETURNING`` in its own short transaction, so the counter row is locked only
    for that statement and submissions don't queue behind each other. A number whose
    submission then fails is simply skipped (numbers are unique, not gap-free)."""
    from django.db import connection

    from madoguchi.core import tenancy
    from madoguchi.core.models import Municipality

    fy = fiscal_year(today or timezone.localdate())
    city = municipality_id or tenancy.current_id() or getattr(Municipality.current(), "pk", None)
    if city is None:
        raise ValueError("受付番号は自治体ごとに採番します: 自治体がありません。")

    def bump():
        with connection.cursor() as cursor:
            cursor.execute(_receipt_bump_sql(connection.vendor), [city, fy])
            return cursor.fetchone()

    # On its own the UPDATE is one atomic statement: no BEGIN/COMMIT round trips.
    row = bump() if connection.get_autocommit() else None
    if row is None:
        with transaction.atomic():
            row = bump()
            if row is None:
                try:
                    with transaction.atomic():
                        ReceiptCounter.objects.create(municipality_id=city, fiscal_year=fy, last=1)
                        return f"{fy}-{1:06d}"
                except IntegrityError:  # another process created the year's row first
                    pass
                row = bump()
    return f"{fy}-{row[0]:06d}"


def _applicant_contact(answers: dict, engine: FormEngine, applicant=None) -> tuple[str, str]:
    name = email = ""
    for page in engine.pages:
        for field in page.fields:
            value = answers.get(field.key)
            if not value or not isinstance(value, str):
                continue
            if not email and field.type == "email":
                email = value
            if not name and (field.spec.get("prefill") == "full_name" or field.key in ("name", "full_name", "applicant_name")):
                name = value
    if applicant is not None:
        email = email or applicant.email
        name = name or applicant.full_name
    return name[:100], email


def submit(submission: Submission, *, actor=None, request=None, idempotency_key: str | None = None) -> Submission:
    """Turn a draft (or a corrected case, or an unsaved one from the API) into a received
    application.

    Idempotent: a double click or a network retry finds the case already submitted and returns
    it; the conditional UPDATE (or the unique idempotency key for a new row) guarantees only
    one request performs the transition."""
    if submission.status not in (S.DRAFT, S.CORRECTION):
        return submission
    engine = engine_for(submission)
    answers, errors = engine.clean_all(submission.answers)  # API answers arrive uncleaned
    if errors:
        raise ValidationError(errors)
    resubmission = submission.status == S.CORRECTION
    changed = changed_fields(engine, correction_snapshot(submission), answers) if resubmission else []
    now = timezone.now()
    name, email = _applicant_contact(answers, engine, submission.applicant)
    fields = dict(answers=answers, search_text=engine.search_text(answers)[:20000], applicant_name=name, applicant_email=email, updated_at=now)
    if resubmission:
        fields.update(status=S.REVIEWING)
    else:
        fields.update(
            status=S.RECEIVED,
            submitted_at=now,
            receipt_number=next_receipt_number(timezone.localdate(now), submission.municipality_id or submission.procedure.municipality_id),
        )
        if idempotency_key:
            fields["idempotency_key"] = idempotency_key
    if submission.pk is None:
        for key, value in fields.items():
            setattr(submission, key, value)
        try:
            # The INSERT comes first in its transaction, so a repeated idempotency key rolls
            # back nothing else and needs no savepoint.
            with transaction.atomic():
                rawsql.insert(submission)
                _after_submit(submission, resubmission, actor, request, changed)
        except IntegrityError:
            existing = Submission.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
            if existing is None:
                raise
            return existing
        return submission
    with transaction.atomic():
        if not Submission.objects.filter(pk=submission.pk, status=submission.status).update(**fields):
            submission.refresh_from_db()  # another request got there first
            return submission
        for key, value in fields.items():
            setattr(submission, key, value)
        _after_submit(submission, resubmission, actor, request, changed)
    return submission


def _after_submit(submission: Submission, resubmission: bool, actor, request, changed: list[str] = ()) -> None:
    """The event, audit and emails of a submission, inside its transaction."""
    event = SubmissionEvent(
        submission=submission,
        kind=SubmissionEvent.Kind.RESUBMITTED if resubmission else SubmissionEvent.Kind.SUBMITTED,
        body=("補正で変わった項目: " + "、".join(changed)) if changed else ("変わった項目はありません" if resubmission else ""),
        actor=actor,
        from_staff=submission.channel == Submission.Channel.COUNTER,
        to_status=submission.status,
        section_pending=submission.channel != Submission.Channel.COUNTER,  # the section took it itself
    )
    rawsql.insert(event)
    if submission.channel == Submission.Channel.COUNTER and actor is not None:
        audit.record(AuditLog.Action.CREATE, submission, request=request, actor=actor, detail={"channel": "counter"})
    if not resubmission:
        fees.on_submitted(submission)  # 事前決済 / 窓口払い: the fee is owed from now
    _notify_submitted(submission, resubmission, event)


_UNREAD = object()


def new_submission(procedure: Procedure, answers: dict, *, user, channel=Submission.Channel.API, version=_UNREAD) -> Submission:
    """An unsaved case with its answers (the API submits in one step, without a draft).
    ``version``: the form's published version when the caller read it with the procedure."""
    if not procedure.can_apply_online:
        raise ValidationError("この手続はオンラインで申請できません。")
    if version is _UNREAD:
        version = procedure.form.published_version()
    if version is None:
        raise ValidationError("この手続の申請フォームは準備中です。")
    return Submission(
        municipality_id=procedure.municipality_id,
        procedure=procedure,
        section=procedure.section,
        form_version=version,
        applicant=user,
        answers=answers,
        channel=channel,
    )


CASE_LINK_SALT = "applications.case-link"


def case_url(submission: Submission) -> str:
    """Where the applicant follows the case. A resident with an account signs in to see it; a
    case made without an account (or at the counter) has no login to ask for, so its emails
    carry a signed link (照会用リンク, ``case_links``: it expires) that opens the case in the
    browser that follows it."""
    if submission.applicant_id:
        return absolute_url("applications:my_detail", submission.uuid, municipality=submission.procedure.municipality)
    from . import case_links

    return case_links.url(submission)


def case_from_link(token: str) -> Submission | None:
    """The case of an unexpired, genuine link (None otherwise)."""
    from . import case_links

    return case_links.open_token(token).submission


def _link_context(submission: Submission) -> dict:
    """How long the emailed case link works and where a fresh one is asked for."""
    from . import conf

    if submission.applicant_id:
        return {}
    return {
        "link_days": conf.case_link_days(),
        "resend_url": absolute_url("applications:case_link_resend", municipality=submission.procedure.municipality),
    }


def _notify_submitted(submission: Submission, resubmission: bool, event: SubmissionEvent) -> None:
    """The receipt email says what was received and where to follow it. It carries no answers
    and no PDF: email travels unencrypted, and the copy (申請内容の控え) is on the signed-in
    page, rendered when asked for (WeasyPrint with CJK fonts costs ~160 ms of CPU a copy)."""
    if not submission.applicant_email:
        return
    # Queued in the submission's transaction and rendered by the worker (the task is the email's
    # outbox entry): the submit request, the rush of a deadline day, pays no template rendering.
    enqueue("applications.submitted_email", dedupe_key=f"applications.submitted:{event.pk}", submission_id=submission.pk, resubmission=resubmission)


def send_submitted_email(submission_id: int, resubmission: bool) -> None:
    """Run by the task ``applications.submitted_email`` (see ``_notify_submitted``)."""
    from madoguchi.core import tenancy

    # Only what the receipt shows (queries.RECEIPT_FIELDS): a submission row carries its
    # answers, and compiling the ORM's query cost the worker more than the email itself.
    submission = queries.receipt(submission_id)
    city = tenancy.municipality_by_id(submission.procedure.municipality_id)  # cached, not a wide join
    submission.procedure.municipality = city  # the template names the city
    notify.send_template_now(
        submission.applicant_email,
        "applications/email/submitted",
        {"submission": submission, "resubmission": resubmission, "url": case_url(submission), **fees.email_context(submission), **_link_context(submission)},
        municipality=city,
    )


_DIGEST_LABELS = ("新しい申請", "補正後の再提出", "申請者からのメッセージ", "取下げ")


def _digest_label(event: SubmissionEvent) -> str:
    if event.kind == SubmissionEvent.Kind.STATUS:  # the only resident-made status change
        return "取下げ"
    return {SubmissionEvent.Kind.SUBMITTED: "新しい申請", SubmissionEvent.Kind.RESUBMITTED: "補正後の再提出"}.get(event.kind, "申請者からのメッセージ")


DIGEST_LINES = 50  # cases listed one by one in a digest; the rest are counted


def section_digest(limit: int = 20000) -> int:
    """Email each section (its 連絡先メール) one digest of what arrived since the last one: new
    applications, resubmissions, residents' messages and withdrawals, by receipt number and link only (no
    personal data). Runs every ``SECTION_DIGEST_MINUTES``; returns how many events it covered.

    The events to report carry ``section_pending``; the emails are queued in the same
    transaction that clears the flag, so a worker dying half-way neither loses nor repeats a
    digest. Sections without an address have their events cleared all the same."""
    from itertools import groupby

    with transaction.atomic():
        pending = list(
            SubmissionEvent.objects.select_for_update(of=("self",))
            .filter(section_pending=True)
            .select_related("submission__procedure", "submission__section__municipality")
            .order_by("id")[:limit]
        )
        by_section = sorted(pending, key=lambda e: (e.submission.section_id, e.pk))
        for _, group in groupby(by_section, key=lambda e: e.submission.section_id):
            events = list(group)
            section = events[0].submission.section
            if section.email:
                _send_digest(section, events)
        SubmissionEvent.objects.filter(pk__in=[e.pk for e in pending]).update(section_pending=False)
    return len(pending)


def _send_digest(section, events: list[SubmissionEvent]) -> None:
    labels = [_digest_label(e) for e in events]
    counts = {label: labels.count(label) for label in _DIGEST_LABELS}
    summary = "、".join(f"{label} {n}件" for label, n in counts.items() if n)
    notify.send_template(
        section.email,
        "applications/email/section_digest",
        {
            "section": section,
            "summary": summary,
            "lines": [(_digest_label(e), e.submission) for e in events[:DIGEST_LINES]],
            "more": max(len(events) - DIGEST_LINES, 0),
        },
        municipality=section.municipality,
        dedupe_key=f"applications.digest:{section.pk}:{events[0].pk}",
    )


def _notify_change(submission: Submission, event: SubmissionEvent) -> None:
    if not submission.applicant_email or not event.visible_to_applicant:
        return
    notify.send_template(
        submission.applicant_email,
        "applications/email/changed",
        {"submission": submission, "event": event, "url": case_url(submission), **_link_context(submission)},
        municipality=submission.procedure.municipality,
        dedupe_key=f"applications.event:{event.pk}",
    )


# --- workflow -----------------------------------------------------------------------------


def _retain_until(closed: dt.datetime, years: int) -> dt.date:
    """保存期間 counts from 1 April of the fiscal year after the case closed (文書管理の慣行)."""
    start_year = fiscal_year(timezone.localtime(closed).date()) + 1
    return dt.date(start_year + years, 4, 1) - dt.timedelta(days=1)


def correction_snapshot(submission: Submission) -> dict | None:
    """While a case waits for its 補正, the answers as they were submitted (the resident's edits
    in progress are not the case yet); None otherwise."""
    if submission.status != S.CORRECTION or submission.pk is None:
        return None
    event = submission.events.filter(kind=SubmissionEvent.Kind.STATUS, to_status=S.CORRECTION, answers__isnull=False).order_by("-id").first()
    return event.answers if event else None


def changed_fields(engine: FormEngine, before: dict | None, after: dict) -> list[str]:
    """Labels of the fields whose answer differs (names only: the event is shown to the resident)."""
    if before is None:
        return []
    keys = [f for f in engine.fields.values() if f.has_input]
    return [f.label for f in keys if before.get(f.key) != after.get(f.key)]


def refuse_my_number(text: str, field: str, label: str) -> None:
    """Free text kept on a case and sent by email must not carry a マイナンバー (個人番号)."""
    validation.refuse_my_number(text or "", label, field)


def change_status(submission: Submission, to_status: str, *, actor, comment: str = "", request=None) -> SubmissionEvent:
    """Staff move a case (審査中, 補正依頼, 完了, 却下 …) with an optional comment to the resident."""
    from madoguchi.core.permissions import require

    require(actor, "change", submission)
    refuse_my_number(comment, "comment", "コメント")
    allowed = STAFF_TRANSITIONS.get(submission.status, set())
    if to_status not in allowed:
        raise WorkflowError(f"「{S(submission.status).label}」の申請を「{S(to_status).label}」にすることはできません。")
    if to_status == S.CORRECTION and not comment.strip():
        raise WorkflowError({"comment": ["補正依頼には、申請者に直してほしい内容をコメント欄に書いてください。"]})
    try:
        fees.check_status_change(submission, to_status)
    except fees.FeeNotPaid as e:
        raise WorkflowError(str(e)) from e
    # Taking a case back from 補正依頼 without a resubmission discards the resident's edits in
    # progress: the case is again what was submitted.
    restore = correction_snapshot(submission)
    with transaction.atomic():
        extra = {"answers": restore} if restore is not None else {}
        updated = Submission.objects.filter(pk=submission.pk, status=submission.status).update(status=to_status, updated_at=timezone.now(), **extra)
        if not updated:
            raise WorkflowError("他の職員がこの申請を更新しました。画面を再読み込みしてから操作してください。")
        from_status = submission.status
        submission.status = to_status
        if to_status in CLOSED:
            submission.closed_at = timezone.now()
            submission.retain_until = _retain_until(submission.closed_at, submission.procedure.retention_years)
            submission.save(update_fields=["closed_at", "retain_until"])
        if restore is not None:
            submission.answers = restore
        event = SubmissionEvent.objects.create(
            submission=submission,
            kind=SubmissionEvent.Kind.STATUS,
            actor=actor,
            from_staff=True,
            from_status=from_status,
            to_status=to_status,
            body=comment.strip(),
            answers=submission.answers if to_status == S.CORRECTION else None,
        )
        audit.record(AuditLog.Action.UPDATE, submission, request=request, actor=actor, detail={"status": [from_status, to_status]})
        _notify_change(submission, event)
        fees.on_status_changed(submission, from_status, to_status)  # 事後決済: the pay link by email
    return event


def bulk_change_status(submissions, to_status: str, *, actor, comment: str = "", request=None) -> tuple[int, list[str]]:
    """Apply one status to many cases; returns (changed, [Japanese reasons for the skipped])."""
    refuse_my_number(comment, "comment", "コメント")  # once, before any case changes
    changed, skipped = 0, []
    for submission in submissions:
        try:
            change_status(submission, to_status, actor=actor, comment=comment, request=request)
            changed += 1
        except (WorkflowError, PermissionDenied) as exc:
            reason = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            skipped.append(f"{submission.receipt_number}: {reason}")
    return changed, skipped


def withdraw(submission: Submission, *, user, reason: str = "") -> SubmissionEvent:
    """The resident withdraws (取下げ) a case that is not yet decided."""
    if submission.applicant_id != getattr(user, "pk", None):
        raise PermissionDenied("ご自身の申請のみ取り下げできます。")
    if submission.status not in WITHDRAWABLE:
        raise WorkflowError(f"「{S(submission.status).label}」の申請は取り下げできません。")
    refuse_my_number(reason, "reason", "取下げの理由")
    with transaction.atomic():
        from_status = submission.status
        if not Submission.objects.filter(pk=submission.pk, status=from_status).update(status=S.WITHDRAWN, updated_at=timezone.now()):
            raise WorkflowError("申請の状態が変わりました。画面を再読み込みしてください。")
        submission.status = S.WITHDRAWN
        submission.closed_at = timezone.now()
        submission.retain_until = _retain_until(submission.closed_at, submission.procedure.retention_years)
        submission.save(update_fields=["closed_at", "retain_until"])
        event = SubmissionEvent.objects.create(
            submission=submission,
            kind=SubmissionEvent.Kind.STATUS,
            actor=user,
            from_status=from_status,
            to_status=S.WITHDRAWN,
            body=reason,
            section_pending=True,
        )
        _notify_change(submission, event)
        fees.on_status_changed(submission, from_status, S.WITHDRAWN)
    return event


def assign(submission: Submission, assignee, *, actor, request=None) -> SubmissionEvent:
    from madoguchi.core.permissions import can, require

    require(actor, "change", submission)
    if assignee is not None and not can(assignee, "view", submission):
        raise WorkflowError("担当者には、この課の職員を選んでください。")
    submission.assignee = assignee
    submission.save(update_fields=["assignee", "updated_at"])
    label = str(assignee) if assignee else "（未割当て）"
    audit.record(AuditLog.Action.UPDATE, submission, request=request, actor=actor, detail={"assignee": getattr(assignee, "pk", None)})
    return SubmissionEvent.objects.create(
        submission=submission, kind=SubmissionEvent.Kind.ASSIGN, actor=actor, from_staff=True, body=label, visible_to_applicant=False
    )


def post_message(submission: Submission, body: str, *, sender, from_staff: bool, internal: bool = False, request=None) -> SubmissionEvent:
    """A message between the resident and the section (or an internal staff note)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": ["「メッセージ」を入力してください。"]})
    if len(body) > 2000:
        raise ValidationError({"body": ["「メッセージ」は2000文字以内で入力してください。"]})
    refuse_my_number(body, "body", "メッセージ")
    if from_staff:
        from madoguchi.core.permissions import require

        require(sender, "change", submission)
        audit.record(AuditLog.Action.UPDATE, submission, request=request, actor=sender, detail={"message": True, "internal": internal})
    elif submission.applicant_id != getattr(sender, "pk", None):
        raise PermissionDenied("ご自身の申請にのみメッセージを送れます。")
    if submission.status == S.DRAFT:
        raise WorkflowError("下書きにはメッセージを送れません。")
    event = SubmissionEvent.objects.create(
        submission=submission,
        kind=SubmissionEvent.Kind.NOTE if internal else SubmissionEvent.Kind.MESSAGE,
        actor=sender,
        from_staff=from_staff,
        body=body,
        visible_to_applicant=not internal,
        section_pending=not from_staff,  # listed in the section's next digest
    )
    if from_staff and not internal:
        _notify_change(submission, event)
    return event


# --- staff queries -------------------------------------------------------------------------


def inbox(user, *, procedure=None, status=None, date_from=None, date_to=None, assignee=None, q: str = ""):
    """The section inbox: submitted cases the user may see, filtered."""
    from madoguchi.core.permissions import scope

    qs = scope(user, Submission.objects.exclude(status=S.DRAFT)).select_related("procedure", "assignee", "section")
    if procedure:
        qs = qs.filter(procedure=procedure)
    if status == fees.AWAITING:
        qs = qs.filter(fees.awaiting_q())
    elif status:
        qs = qs.filter(status=status)
        if status == S.RECEIVED:
            qs = qs.exclude(fees.awaiting_q())  # 支払待ち cannot be taken in yet
    if date_from:
        qs = qs.filter(submitted_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(submitted_at__date__lte=date_to)
    if assignee == "me":
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee=None)
    elif assignee:
        qs = qs.filter(assignee_id=assignee)
    for word in normalise_query(q).split():
        qs = qs.filter(
            Q(receipt_number__icontains=word) | Q(applicant_name__icontains=word) | Q(search_text__icontains=word) | Q(applicant_email__icontains=word)
        )
    return qs.order_by("-submitted_at")


def normalise_query(q: str) -> str:
    import jaconv

    return jaconv.z2h(jaconv.normalize(q or ""), kana=False, ascii=True, digit=True).strip()


def catalogue(*, q: str = "", section=None, life_event=None, online_only: bool = False):
    """Published procedures, filtered, and searched by everyday words (``search.search``:
    normalised spelling, readings, synonyms), best match first."""
    from . import search

    qs = Procedure.objects.filter(is_published=True).select_related("section").prefetch_related("life_events")
    if section:
        qs = qs.filter(section=section)
    if life_event:
        qs = qs.filter(life_events=life_event)
    if online_only:
        qs = qs.filter(online=True, form__isnull=False)
    return search.search(qs.distinct(), q)


# --- uploads and retention -----------------------------------------------------------------


def upload_ids(answers: dict) -> set[int]:
    ids: set[int] = set()
    for value in (answers or {}).values():
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and item.get("upload_id"):
                ids.add(int(item["upload_id"]))
    return ids


def attached_files(submission: Submission, answers: dict | None = None) -> list[dict]:
    """Files attached to a case (or to ``answers`` of it), with the label of the field they answer."""
    engine = engine_for(submission)
    answers = submission.answers if answers is None else answers
    files = []
    for page in engine.pages:
        for field in page.fields:
            value = answers.get(field.key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and item.get("upload_id"):
                    files.append({"label": field.label, "upload_id": int(item["upload_id"]), "name": item.get("name", ""), "size": item.get("size", 0)})
    return files


def purge_expired(today: dt.date | None = None) -> dict:
    """Delete closed cases past their 保存期限 and stale drafts, with their files; write what was
    deleted to the audit log (receipt numbers only — the data itself is gone)."""
    from madoguchi.forms.models import Upload

    today = today or timezone.localdate()
    expired = Submission.objects.filter(retain_until__lt=today).exclude(status=S.DRAFT)
    stale = Submission.objects.filter(status=S.DRAFT, updated_at__lt=timezone.now() - dt.timedelta(days=DRAFT_RETENTION_DAYS))
    report = {"submissions": [], "drafts": 0, "files": 0}
    for qs, is_draft in ((expired, False), (stale, True)):
        for submission in qs.iterator():
            with transaction.atomic():
                ids = upload_ids(submission.answers)
                for upload in Upload.objects.filter(pk__in=ids):
                    upload.delete()
                    report["files"] += 1
                if is_draft:
                    report["drafts"] += 1
                else:
                    report["submissions"].append(submission.receipt_number)
                    audit.record(
                        AuditLog.Action.PURGE,
                        submission,
                        detail={
                            "receipt_number": submission.receipt_number,
                            "procedure": submission.procedure.name,
                            "retain_until": str(submission.retain_until),
                        },
                        section=submission.section,
                    )
                submission.delete()
    report["orphans"] = _purge_orphan_uploads()
    if report["drafts"] or report["orphans"]:
        # Drafts were never received, so they have no receipt number to list: one summary line.
        audit.record(
            AuditLog.Action.PURGE,
            None,
            target_label="期限切れの下書き・未使用の添付ファイル",
            detail={"drafts": report["drafts"], "orphan_files": report["orphans"], "draft_retention_days": DRAFT_RETENTION_DAYS},
        )
    return report


def _purge_orphan_uploads() -> int:
    """Delete files uploaded while filling a form but never kept in any submission's answers
    (the resident replaced them or abandoned the form before saving). Only files older than the
    draft retention period are candidates, so a draft still in progress never loses one."""
    from madoguchi.forms.models import Upload

    cutoff = timezone.now() - dt.timedelta(days=DRAFT_RETENTION_DAYS + 1)
    candidates = Upload.objects.filter(created_at__lt=cutoff)
    oldest = candidates.order_by("created_at").values_list("created_at", flat=True).first()
    if oldest is None:
        return 0
    # A submission can only refer to a file uploaded before it was last saved.
    referenced: set[int] = set()
    for answers in Submission.objects.filter(updated_at__gte=oldest).values_list("answers", flat=True).iterator(chunk_size=500):
        referenced.update(upload_ids(answers or {}))
    for answers in SubmissionEvent.objects.filter(created_at__gte=oldest, answers__isnull=False).values_list("answers", flat=True).iterator(chunk_size=500):
        referenced.update(upload_ids(answers or {}))  # the as-submitted copy kept during a 補正
    deleted = 0
    for upload in candidates.exclude(pk__in=referenced).iterator():
        upload.delete()
        deleted += 1
    return deleted
