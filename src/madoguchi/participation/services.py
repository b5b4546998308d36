"""Public comment (意見公募) rules: submitting and entering opinions, the personal-data check,
grouping identical and similar opinions, the city's view, publication, and the purge of
submitters' personal data after the retention period. Proposals are in ``proposals.py``."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from madoguchi.core import audit, notify
from madoguchi.core.models import AuditLog
from madoguchi.core.tenancy import unscoped

from . import conf
from .models import PERSONAL_FIELD_NAMES, PERSONAL_FIELDS, Channel, Consultation, DraftSection, Opinion, OpinionGroup, PersonalDataFlag
from .text import redact, scan_personal_data, similarity, text_hash

MAX_OPINION_LENGTH = 10_000


@dataclasses.dataclass(frozen=True)
class OpinionInput:
    """What one submitter sends: the text, the part of the draft, and their own fields."""

    text: str
    draft_section_id: int | None = None
    name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    age_group: str = ""


def required_labels(consultation: Consultation) -> list[tuple[str, str]]:
    return [(name, str(label)) for name, label in PERSONAL_FIELDS if name in (consultation.required_fields or [])]


def _check(consultation: Consultation, data: OpinionInput, *, web: bool) -> None:
    errors: dict[str, list[str]] = {}
    if not data.text.strip():
        errors["text"] = ["ご意見を入力してください。"]
    elif len(data.text) > MAX_OPINION_LENGTH:
        errors["text"] = [f"ご意見は{MAX_OPINION_LENGTH:,}文字以内で入力してください（現在{len(data.text):,}文字）。複数に分けて提出できます。"]
    if data.draft_section_id and not DraftSection.objects.filter(pk=data.draft_section_id, consultation=consultation).exists():
        errors["draft_section"] = ["該当箇所を一覧から選んでください。"]
    if web:
        # The city's rules decide what a web submitter must give; paper opinions are entered as
        # they arrived (a missing phone number is no reason to drop a letter).
        for name, label in required_labels(consultation):
            if not str(getattr(data, name) or "").strip():
                errors.setdefault(name, []).append(f"「{label}」を入力してください。意見公募の規程で必要な項目です。")
    if errors:
        raise ValidationError(errors)


def _save_opinion(consultation: Consultation, data: OpinionInput, **extra) -> Opinion:
    opinion = Opinion(
        consultation=consultation,
        municipality_id=consultation.municipality_id,
        draft_section_id=data.draft_section_id or None,
        text=data.text.strip(),
        text_hash=text_hash(data.text),
        **{name: (getattr(data, name) or "").strip() for name in PERSONAL_FIELD_NAMES},
        **extra,
    )
    opinion.save()  # masks a マイナンバー in the text (TranscribedTextField) and sets my_number_masked
    opinion.public_text = opinion.text
    opinion.group = identical_group(opinion)
    opinion.save(update_fields=["public_text", "group"])
    for kind, excerpt in scan_personal_data(opinion.text):
        PersonalDataFlag.objects.create(opinion=opinion, municipality_id=opinion.municipality_id, kind=kind, excerpt=excerpt)
    return opinion


def submit_opinion(consultation: Consultation, data: OpinionInput, *, user=None) -> Opinion:
    """A resident's opinion from the web form (anonymous allowed). Refused outside the period;
    the form itself refuses a マイナンバー typed into the text."""
    if not consultation.is_open():
        raise ValidationError("この意見公募は受付期間外です。募集期間をご確認ください。")
    _check(consultation, data, web=True)
    with transaction.atomic():
        opinion = _save_opinion(consultation, data, channel=Channel.WEB, submitted_by=user if user and user.is_authenticated else None)
    if opinion.email:
        notify.send_template(
            opinion.email,
            "participation/email/opinion_receipt",
            {"opinion": opinion, "consultation": consultation},
            municipality=consultation.municipality,
            dedupe_key=f"participation.opinion_receipt:{opinion.pk}",
        )
    return opinion


def enter_opinion(consultation: Consultation, data: OpinionInput, *, channel: str, received_at: dt.datetime | None, staff, request=None) -> Opinion:
    """Staff enter an opinion received on paper, by FAX, by email or in person (any time: a
    letter postmarked in the period arrives later). A マイナンバー is masked and flagged."""
    if channel not in Channel.values or channel == Channel.WEB:
        raise ValidationError({"channel": ["提出方法を「郵送」「FAX」「メール」「持参」から選んでください。"]})
    _check(consultation, data, web=False)
    with transaction.atomic():
        opinion = _save_opinion(consultation, data, channel=channel, entered_by=staff, received_at=received_at or timezone.now())
        audit.record(AuditLog.Action.CREATE, opinion, request=request, actor=staff, detail={"channel": channel})
        if consultation.results_published_at is not None:
            # A late letter after publication: the table is withdrawn until it is checked and
            # published again (nothing is public while a flag may be open).
            consultation.results_published_at = None
            consultation.save(update_fields=["results_published_at"])
            audit.record(AuditLog.Action.UPDATE, consultation, request=request, actor=staff, detail={"results_published": False, "reason": "late_opinion"})
    return opinion


# --- grouping ----------------------------------------------------------------------------------


def identical_group(opinion: Opinion) -> OpinionGroup | None:
    """The group already holding an opinion with the same normalised text (同一の意見は数える)."""
    twin = (
        Opinion.objects.filter(consultation_id=opinion.consultation_id, text_hash=opinion.text_hash, group__isnull=False)
        .exclude(pk=opinion.pk)
        .only("group_id")
        .first()
    )
    return twin.group if twin else None


def suggest_groups(consultation: Consultation) -> list[list[Opinion]]:
    """Clusters of ungrouped opinions that are the same or nearly the same text, largest first
    (a suggestion: staff make the group). Identical texts cluster by hash; the rest by difflib
    against each cluster's first text."""
    threshold = conf.similarity_threshold()
    clusters: list[list[Opinion]] = []
    by_hash: dict[str, list[Opinion]] = {}
    for opinion in Opinion.objects.filter(consultation=consultation, group__isnull=True).order_by("received_at", "id"):
        if opinion.text_hash in by_hash:
            by_hash[opinion.text_hash].append(opinion)
            continue
        for cluster in clusters:
            if similarity(cluster[0].text, opinion.text) >= threshold:
                cluster.append(opinion)
                by_hash[opinion.text_hash] = cluster
                break
        else:
            cluster = [opinion]
            clusters.append(cluster)
            by_hash[opinion.text_hash] = cluster
    return sorted((c for c in clusters if len(c) > 1), key=len, reverse=True)


def make_group(consultation: Consultation, opinion_ids: list[int], *, summary: str, draft_section_id: int | None = None, staff, request=None) -> OpinionGroup:
    if not summary.strip():
        raise ValidationError({"summary": ["意見の概要を入力してください。"]})
    opinions = list(Opinion.objects.filter(consultation=consultation, pk__in=opinion_ids))
    if not opinions:
        raise ValidationError({"opinions": ["まとめる意見を1件以上選んでください。"]})
    with transaction.atomic():
        order = OpinionGroup.objects.filter(consultation=consultation).count() + 1
        section_id = draft_section_id or opinions[0].draft_section_id
        group = OpinionGroup.objects.create(consultation=consultation, summary=summary.strip(), draft_section_id=section_id, order=order)
        add_to_group(group, [o.pk for o in opinions], staff=staff, request=request)
    return group


def add_to_group(group: OpinionGroup, opinion_ids: list[int], *, staff, request=None) -> int:
    """Put opinions (and every identical one not yet grouped) into ``group``."""
    qs = Opinion.objects.filter(consultation_id=group.consultation_id, pk__in=opinion_ids)
    hashes = set(qs.values_list("text_hash", flat=True))
    twins = Opinion.objects.filter(consultation_id=group.consultation_id, group__isnull=True, text_hash__in=hashes)
    ids = set(qs.values_list("pk", flat=True)) | set(twins.values_list("pk", flat=True))
    n = Opinion.objects.filter(pk__in=ids).update(group=group)
    audit.record(AuditLog.Action.UPDATE, group, request=request, actor=staff, detail={"opinions_added": sorted(ids)})
    return n


def set_city_view(group: OpinionGroup, *, summary: str, city_view: str, staff, request=None) -> None:
    if not summary.strip():
        raise ValidationError({"summary": ["意見の概要を入力してください。"]})
    group.summary, group.city_view = summary.strip(), city_view.strip()
    group.save(update_fields=["summary", "city_view"])
    audit.record(AuditLog.Action.UPDATE, group, request=request, actor=staff, detail={"city_view": bool(group.city_view)})


# --- personal data in the text -------------------------------------------------------------------


def resolve_flag(flag: PersonalDataFlag, *, redact_it: bool, staff, request=None) -> None:
    """Staff decide: redact the excerpt from the published text (伏せる) or keep it."""
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().get(pk=flag.opinion_id)
        if redact_it:
            opinion.public_text = redact(opinion.public_text or opinion.text, flag.excerpt)
            opinion.save(update_fields=["public_text"])
        flag.status = PersonalDataFlag.Status.REDACTED if redact_it else PersonalDataFlag.Status.KEPT
        flag.resolved_by, flag.resolved_at = staff, timezone.now()
        flag.save(update_fields=["status", "resolved_by", "resolved_at"])
        audit.record(AuditLog.Action.UPDATE, opinion, request=request, actor=staff, detail={"flag": flag.pk, "kind": flag.kind, "resolution": flag.status})


def edit_public_text(opinion: Opinion, public_text: str, *, staff, request=None) -> None:
    """Staff edit the text to be published by hand (e.g. a name the scan missed)."""
    if not public_text.strip():
        raise ValidationError({"public_text": ["公表する意見を入力してください。"]})
    opinion.public_text = public_text.strip()
    opinion.save(update_fields=["public_text"])
    audit.record(AuditLog.Action.UPDATE, opinion, request=request, actor=staff, detail={"public_text": "edited"})


# --- publication -------------------------------------------------------------------------------


def publication_problems(consultation: Consultation) -> list[str]:
    """Why the 「提出意見と市の考え方」 cannot be published yet (empty: it can)."""
    problems = []
    if consultation.is_open():
        problems.append("募集期間中は公表できません。")
    open_flags = PersonalDataFlag.objects.filter(opinion__consultation=consultation, status=PersonalDataFlag.Status.OPEN).count()
    if open_flags:
        problems.append(f"個人情報の確認が{open_flags}件残っています。すべて「伏せる」か「そのまま公表」を選んでください。")
    ungrouped = Opinion.objects.filter(consultation=consultation, group__isnull=True).count()
    if ungrouped:
        problems.append(f"まとまりに入っていない意見が{ungrouped}件あります。")
    unanswered = OpinionGroup.objects.filter(consultation=consultation, city_view="").count()
    if unanswered:
        problems.append(f"市の考え方が未記入のまとまりが{unanswered}件あります。")
    return problems


def publish_results(consultation: Consultation, *, staff, request=None) -> None:
    problems = publication_problems(consultation)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        consultation.results_published_at = timezone.now()
        consultation.save(update_fields=["results_published_at"])
        audit.record(AuditLog.Action.APPROVE, consultation, request=request, actor=staff, detail={"results_published": True})
        notify_city_view(consultation)


def notify_city_view(consultation: Consultation) -> int:
    """Tell each web submitter that the 市の考え方 on their opinions is published (issue #19:
    decidim #1854): a signed-in submitter through ``alerts.personal.notify_user`` (the channels
    they chose), an anonymous one at the address they gave, if any and not purged. One message
    per person listing their receipt numbers and their groups' 市の考え方 (never an opinion's
    text). Once per person and set of opinions: a republication after a late letter tells
    nobody twice, a new opinion's author is told. Returns the number of people notified."""
    from django.contrib.auth import get_user_model

    from madoguchi.alerts.personal import notify_user
    from madoguchi.core.links import absolute_url

    opinions = Opinion.objects.filter(consultation=consultation, channel=Channel.WEB).select_related("group").order_by("id")
    by_user: dict[int, list[Opinion]] = {}
    by_email: dict[str, list[Opinion]] = {}
    for opinion in opinions:
        if opinion.submitted_by_id:
            by_user.setdefault(opinion.submitted_by_id, []).append(opinion)
        elif opinion.email and not opinion.personal_data_purged:
            by_email.setdefault(opinion.email.strip().lower(), []).append(opinion)
    url = absolute_url("participation:results", consultation.pk, municipality=consultation.municipality)

    def context(items: list[Opinion]) -> dict:
        groups = {o.group_id: o.group for o in items if o.group_id}
        rows = [{"summary": g.summary, "city_view": g.city_view} for g in sorted(groups.values(), key=lambda g: (g.order, g.pk))]
        return {"consultation": consultation, "receipt_numbers": [o.receipt_number for o in items], "rows": rows}

    template = "participation/email/city_view"
    users = get_user_model().objects.in_bulk(list(by_user))
    for user_id, items in by_user.items():
        if user_id in users:
            key = f"participation.city_view:{consultation.pk}:u{user_id}:{items[-1].pk}"
            notify_user(users[user_id], template, context(items), url=url, municipality=consultation.municipality, dedupe_key=key)
    for address, items in by_email.items():
        key = f"participation.city_view:{consultation.pk}:o{items[0].pk}:{items[-1].pk}"
        notify.send_template(address, template, context(items), municipality=consultation.municipality, dedupe_key=key)
    return len(users) + len(by_email)


@dataclasses.dataclass
class ResultRow:
    """A row of 「提出意見と市の考え方」: no personal data — only the published texts."""

    number: int
    section: str
    summary: str
    opinions: list[tuple[str, int]]  # (published text, how many sent it)
    count: int
    city_view: str


def result_rows(consultation: Consultation) -> list[ResultRow]:
    rows = []
    groups = OpinionGroup.objects.filter(consultation=consultation).select_related("draft_section").order_by("order", "id")
    for n, group in enumerate(groups, start=1):
        texts: dict[str, list] = {}
        for opinion in group.opinions.order_by("received_at", "id").only("public_text", "text_hash"):
            texts.setdefault(opinion.text_hash, [opinion.public_text, 0])[1] += 1
        count = sum(c for _t, c in texts.values())
        rows.append(ResultRow(n, str(group.draft_section or "全体"), group.summary, [(t, c) for t, c in texts.values()], count, group.city_view))
    return rows


# --- retention ---------------------------------------------------------------------------------


def purge_personal_data(today: dt.date | None = None) -> list[int]:
    """Empty the submitters' fields of every consultation past its retention period (every
    city: a periodic task); the opinions and the published table stay. Audited per consultation."""
    today = today or timezone.localdate()
    done = []
    with unscoped():
        due = [c for c in Consultation.objects.filter(personal_data_purged_at__isnull=True, ends_on__lt=today) if c.purge_after < today]
        for consultation in due:
            with transaction.atomic():
                n = Opinion.objects.filter(consultation=consultation, personal_data_purged=False).update(
                    name="", address="", phone="", email="", personal_data_purged=True
                )
                consultation.personal_data_purged_at = timezone.now()
                consultation.save(update_fields=["personal_data_purged_at"])
                audit.record(AuditLog.Action.PURGE, consultation, detail={"opinions": n, "retention_days": consultation.retention_days})
            done.append(consultation.pk)
    return done


# --- staff editing a consultation ----------------------------------------------------------------


def parse_draft(text: str) -> list[tuple[str, str, str]]:
    """(number, title, body) per 章・節 from staff text where a line 「# 第1章 見出し」 starts one."""
    import re

    parts: list[list] = []
    for line in (text or "").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
            m = re.match(r"^(第[0-9０-９一二三四五六七八九十]+[章節]|[（(][0-9０-９]+[)）]|[0-9０-９]+(?:[.．][0-9０-９]+)*)\s*(.*)$", heading)
            number, title = (m.group(1), m.group(2) or m.group(1)) if m else ("", heading)
            parts.append([number, title, []])
        elif parts:
            parts[-1][2].append(line)
        elif line.strip():
            parts.append(["", "前文", [line]])
    return [(n, t[:200], "\n".join(b).strip()) for n, t, b in parts]


def draft_text(consultation: Consultation) -> str:
    return "\n\n".join(f"# {s.number} {s.title}".replace("#  ", "# ") + ("\n" + s.body if s.body else "") for s in consultation.draft_sections.all())


def save_consultation(consultation: Consultation, *, draft: str, plan_item_ids: list[int], staff, request=None) -> Consultation:
    """Save the consultation with its draft sections (kept by number and title so opinions keep
    their 該当箇所) and its plan item links."""
    from .models import ConsultationPlanItem

    is_new = consultation.pk is None
    with transaction.atomic():
        consultation.save()
        existing = {(s.number, s.title): s for s in consultation.draft_sections.all()}
        keep = []
        for order, (number, title, body) in enumerate(parse_draft(draft)):
            section = existing.pop((number, title), None) or DraftSection(consultation=consultation, number=number, title=title)
            section.body, section.order = body, order
            section.save()
            keep.append(section.pk)
        for stale in existing.values():
            stale.delete()  # opinions on it keep their text; their 該当箇所 becomes 全体
        ConsultationPlanItem.objects.filter(consultation=consultation).exclude(plan_item_id__in=plan_item_ids).delete()
        for item_id in plan_item_ids:
            ConsultationPlanItem.objects.get_or_create(consultation=consultation, municipality_id=consultation.municipality_id, plan_item_id=item_id)
        audit.record(AuditLog.Action.CREATE if is_new else AuditLog.Action.UPDATE, consultation, request=request, actor=staff)
    return consultation


def attach_pdf(consultation: Consultation, uploaded) -> None:
    """Store the draft PDF after checking it is one by its content (core.uploads)."""
    from madoguchi.core.uploads import check_file

    check_file(uploaded, label="案の PDF", accept=["pdf"])
    consultation.draft_pdf.save(f"consultation-{consultation.pk}.pdf", uploaded, save=True)


def consultations_for_item(plan_item_id: int):
    """Consultations linked to a plan item (for a future plans page through the registry)."""
    return Consultation.objects.filter(plan_links__plan_item_id=plan_item_id, is_published=True)
