"""Staff screens to set facilities up without code (施設の登録・編集, 部屋・コート, 開館時間と時間区分,
使用料, 減免基準).

Who may do what: staff see the facilities of their sections (others get 404); changing needs the
管理者 role in the facility's section (``permissions`` action "manage"); 担当者 and 承認者 may look
but get 403 with a Japanese message when they try to save. Every change is audited with the
fields that changed.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from madoguchi.core import audit, permissions
from madoguchi.core.models import AuditLog, Municipality, Section
from madoguchi.core.staff import staff_required

from .models import (
    ACTIVE_BOOKING_STATUSES,
    WEEKDAYS,
    Booking,
    Counter,
    ExemptionRule,
    Facility,
    Fee,
    FrameDefinition,
    Unit,
    UseAgreement,
    UserCategory,
)
from .setup_forms import CounterDayForm, CounterForm, ExemptionRuleForm, FacilityForm, FeeTableForm, FrameForm, OpeningDayForm, UnitForm, UseAgreementForm

NO_MANAGE = "施設の設定を変更できるのは、所管課の管理者の権限を持つ職員だけです。担当者・承認者は閲覧のみできます。"
EXTRA_FRAMES = 2


def _deny():
    raise PermissionDenied(NO_MANAGE)


def _explain_denial(view):
    """Answer a refused change with a 403 page that says why, in Japanese (the project has no
    403 template of its own)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as e:
            return render(request, "reservations/staff/setup_denied.html", {"message": str(e) or NO_MANAGE}, status=403)

    return wrapper


def _facility(request, pk: int) -> Facility:
    return get_object_or_404(permissions.scope(request.user, Facility.objects.select_related("section"), "section"), pk=pk)


def _can_manage(user, facility) -> bool:
    return permissions.can(user, "manage", facility)


def _as_text(instance, fields) -> dict:
    return {k: (str(v) if v is not None else None) for k, v in model_to_dict(instance, fields=fields).items()}


def _snapshot(instance, form_class) -> dict:
    return _as_text(instance, form_class._meta.fields) if instance.pk else {}


def _changes(form, before: dict) -> dict:
    """Fields whose stored value changed (after normalisation), new values as text; on create,
    the fields that were filled in."""
    form.instance.refresh_from_db()
    after = _as_text(form.instance, form._meta.fields)
    return {k: v for k, v in after.items() if (before[k] != v if k in before else v not in (None, ""))}


def _save_audited(request, form, before: dict) -> bool:
    """Save a set-up form and audit what it stored (create, or update when something changed);
    True if it created the record."""
    created = form.instance.pk is None
    form.save()
    if (changes := _changes(form, before)) or created:
        audit.record(AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, form.instance, request=request, detail=changes)
    return created


def _readonly(form):
    for field in form.fields.values():
        field.disabled = True
    return form


@staff_required
@_explain_denial
def facility_list(request):
    facilities = permissions.scope(request.user, Facility.objects.select_related("section"), "section").order_by("section__name", "code")
    return render(
        request,
        "reservations/staff/setup_list.html",
        {"facilities": facilities, "can_create": permissions.can(request.user, "manage"), "can_rules": _rules_municipality(request.user) is not None},
    )


@staff_required
@_explain_denial
def facility_create(request):
    sections = permissions.scope(request.user, Section.objects.all(), "pk", action="manage").order_by("name")
    if not sections.exists():
        _deny()
    form = FacilityForm(request.POST or None, request.FILES or None, sections=sections)
    if request.method == "POST" and form.is_valid():
        facility = form.instance
        facility.municipality = form.cleaned_data["section"].municipality
        _save_audited(request, form, {})
        messages.success(request, f"施設「{facility.name}」を登録しました。続けて開館時間・部屋・使用料を設定してください。")
        return redirect("reservations:setup_facility", pk=facility.pk)
    return render(request, "reservations/staff/setup_facility.html", {"form": form, "facility": None, "can_manage": True})


@staff_required
@_explain_denial
def facility_edit(request, pk: int):
    facility = _facility(request, pk)
    can_manage = _can_manage(request.user, facility)
    if request.method == "POST" and not can_manage:
        _deny()
    sections = permissions.scope(request.user, Section.objects.all(), "pk", action="manage") if can_manage else Section.objects.filter(pk=facility.section_id)
    before = _snapshot(facility, FacilityForm)
    form = FacilityForm(request.POST or None, request.FILES or None, instance=facility, sections=sections.order_by("name"))
    if not can_manage:
        _readonly(form)
    if request.method == "POST" and form.is_valid():
        _save_audited(request, form, before)
        messages.success(request, f"施設「{facility.name}」の情報を保存しました。")
        return redirect("reservations:setup_facility", pk=facility.pk)
    return render(
        request,
        "reservations/staff/setup_facility.html",
        {"form": form, "facility": facility, "can_manage": can_manage, "units": facility.units.all()},
    )


@staff_required
@_explain_denial
def unit_edit(request, pk: int | None = None, facility_pk: int | None = None):
    if pk is not None:
        unit = get_object_or_404(Unit.objects.select_related("facility"), pk=pk)
        facility = _facility(request, unit.facility_id)
    else:
        facility = _facility(request, facility_pk)
        unit = Unit(facility=facility)
    can_manage = _can_manage(request.user, facility)
    if request.method == "POST" and not can_manage:
        _deny()
    if pk is None and not can_manage:
        _deny()
    before = _snapshot(unit, UnitForm)
    form = UnitForm(request.POST or None, instance=unit)
    if not can_manage:
        _readonly(form)
    if request.method == "POST" and form.is_valid():
        created = _save_audited(request, form, before)
        messages.success(request, f"「{unit.name}」を{'追加' if created else '保存'}しました。")
        return redirect("reservations:setup_facility", pk=facility.pk)
    return render(request, "reservations/staff/setup_unit.html", {"form": form, "facility": facility, "unit": unit, "can_manage": can_manage})


@staff_required
@_explain_denial
def hours_edit(request, pk: int):
    facility = _facility(request, pk)
    can_manage = _can_manage(request.user, facility)
    if request.method == "POST" and not can_manage:
        _deny()
    data = request.POST if request.method == "POST" else None
    existing = {h.weekday: h for h in facility.opening_hours.all()}
    days = []
    for wd in range(7):
        h = existing.get(wd)
        initial = {"closed": h is None, "opens": h.opens if h else dt.time(9), "closes": h.closes if h else dt.time(21)}
        days.append(OpeningDayForm(data, prefix=f"d{wd}", weekday=wd, initial=initial))
    frames = list(facility.frames.all())
    frame_forms = [FrameForm(data, instance=f, prefix=f"f{f.pk}") for f in frames]
    frame_forms += [FrameForm(data, prefix=f"new{i}", row=i + 1, instance=FrameDefinition(facility=facility)) for i in range(EXTRA_FRAMES)]
    if not can_manage:
        for f in days + frame_forms:
            _readonly(f)
    frame_errors = []
    if request.method == "POST":
        ok = all([f.is_valid() for f in days] + [f.is_valid() for f in frame_forms])
        kept = [f for f in frame_forms if f.is_valid() and not f.is_blank and not f.cleaned_data.get("delete")]
        if ok:
            spans = sorted((f.cleaned_data["start"], f.cleaned_data["end"], f.cleaned_data["label"]) for f in kept)
            for (_s1, e1, l1), (s2, _e2, l2) in zip(spans, spans[1:], strict=False):
                if s2 < e1:
                    frame_errors.append(f"時間区分「{l1}」と「{l2}」の時間が重なっています。開始・終了時刻を直してください。")
            labels = [f.cleaned_data["label"] for f in kept]
            if len(set(labels)) != len(labels):
                frame_errors.append("同じ名前の時間区分が複数あります。区分名を別々にしてください。")
        if ok and not frame_errors:
            with transaction.atomic():
                before = {wd: (h.opens.isoformat(), h.closes.isoformat()) for wd, h in existing.items()}
                after = {wd: (o.isoformat(), c.isoformat()) for wd, (o, c) in _replace_weekday_hours(facility.opening_hours, days).items()}
                frame_detail = {"deleted": [], "saved": []}
                for f in frame_forms:
                    if f.instance.pk and f.cleaned_data.get("delete"):
                        frame_detail["deleted"].append(f.instance.label)
                # frames are rewritten as a whole so swapping times between rows never trips the
                # (facility, start) unique constraint; nothing refers to a frame by id.
                old = {(f.label, f.start, f.end) for f in frames}
                facility.frames.all().delete()
                for f in kept:
                    d = f.cleaned_data
                    FrameDefinition.objects.create(facility=facility, label=d["label"], start=d["start"], end=d["end"])
                    if (d["label"], d["start"], d["end"]) not in old:
                        frame_detail["saved"].append(f"{d['label']} {d['start']:%H:%M}-{d['end']:%H:%M}")
                if before != after or frame_detail["deleted"] or frame_detail["saved"]:
                    detail = {"opening_hours": {str(k): list(v) for k, v in after.items()}, "frames": frame_detail}
                    audit.record(AuditLog.Action.UPDATE, facility, request=request, detail=detail)
            messages.success(request, "開館時間と時間区分を保存しました。")
            if outside := _bookings_outside_hours(facility):
                messages.warning(
                    request,
                    f"今日以降の予約のうち{outside}件が、新しい開館時間・時間区分に合いません。予約はそのまま残っています。"
                    "利用者に連絡するか、「予約の一覧・休館期間・抽選」の画面で休館期間として取り消してください。",
                )
            return redirect("reservations:setup_hours", pk=facility.pk)
    all_errors = [(field, e) for f in days + frame_forms for field in f for e in field.errors]
    return render(
        request,
        "reservations/staff/setup_hours.html",
        {"facility": facility, "days": days, "frame_forms": frame_forms, "frame_errors": frame_errors, "errors": all_errors, "can_manage": can_manage},
    )


def _bookings_outside_hours(facility: Facility) -> int:
    """Active bookings from today on that the facility's current hours or frames no longer allow."""
    hours = {h.weekday: (h.opens, h.closes) for h in facility.opening_hours.all()}
    frame_starts = {(f.start, f.end) for f in facility.frames.all()}
    rows = Booking.objects.filter(unit__facility=facility, date__gte=timezone.localdate(), status__in=ACTIVE_BOOKING_STATUSES).values_list(
        "date", "start", "end", "unit__frame_mode"
    )
    count = 0
    for day, start, end, mode in rows:
        span = hours.get(day.weekday())
        if span is None or start < span[0] or end > span[1] or (mode == Unit.FrameMode.FIXED and (start, end) not in frame_starts):
            count += 1
    return count


@staff_required
@_explain_denial
def fees_edit(request, pk: int):
    facility = _facility(request, pk)
    can_manage = _can_manage(request.user, facility)
    if request.method == "POST" and not can_manage:
        _deny()
    units = list(facility.units.all())
    fees = {(f.unit_id, f.category): f for f in Fee.objects.filter(unit__facility=facility)}
    form = FeeTableForm(request.POST or None, units=units, fees={k: f.amount for k, f in fees.items()})
    if not can_manage:
        _readonly(form)
    if request.method == "POST" and form.is_valid():
        changed = {}
        with transaction.atomic():
            for unit in units:
                for cat in UserCategory.values:
                    value = form.cleaned_data.get(f"fee_{unit.pk}_{cat}")
                    current = fees.get((unit.pk, cat))
                    if value is None and current is not None:
                        current.delete()
                    elif value is not None and current is None:
                        Fee.objects.create(unit=unit, category=cat, amount=value)
                    elif value is not None and current.amount != value:
                        Fee.objects.filter(pk=current.pk).update(amount=value)
                    else:
                        continue
                    changed[f"{unit.name}/{cat}"] = value
            if changed:
                audit.record(AuditLog.Action.UPDATE, facility, request=request, detail={"fees": changed})
        messages.success(request, "使用料を保存しました。" if changed else "使用料に変更はありませんでした。")
        return redirect("reservations:setup_fees", pk=facility.pk)
    return render(
        request,
        "reservations/staff/setup_fees.html",
        {"facility": facility, "form": form, "rows": form.bound_rows(), "categories": UserCategory.choices, "can_manage": can_manage},
    )


# --- 減免基準 (per municipality) -------------------------------------------------------------
def _rules_municipality(user, action: str = "view") -> Municipality | None:
    """減免基準 belong to the municipality; staff of a section that owns facilities see them, its
    管理者 change them (register a facility first). Other sections (e.g. 市民課) get 403."""
    sections = permissions.scope(user, Section.objects.filter(facilities__isnull=False), "pk", action=action).distinct()
    first = sections.select_related("municipality").first()
    return first.municipality if first else None


def _city_record_access(request, what: str) -> tuple[Municipality, bool]:
    """The city whose 減免基準 / 相互利用協定 this staff member sees, and whether they may change
    them; PermissionDenied (a page that says why) for sections that run no facility."""
    municipality = _rules_municipality(request.user)
    if municipality is None:
        raise PermissionDenied(f"施設を所管する課の職員だけが{what}を見られます。")
    return municipality, _rules_municipality(request.user, "manage") == municipality


def _city_record_edit(request, model, form_class, pk, *, what: str, template: str, name: str, back: str, saved, form_kwargs=None):
    """Add or change one city-wide set-up record: 管理者 change it (audited), others read it."""
    municipality, can_manage = _city_record_access(request, what)
    record = get_object_or_404(model, pk=pk, municipality=municipality) if pk else model(municipality=municipality)
    if not can_manage and (request.method == "POST" or pk is None):
        _deny()
    before = _snapshot(record, form_class)
    form = form_class(request.POST or None, instance=record, **(form_kwargs or {}))
    if not can_manage:
        _readonly(form)
    if request.method == "POST" and form.is_valid():
        created = _save_audited(request, form, before)
        messages.success(request, saved(record, "追加" if created else "保存"))
        return redirect(back)
    return render(request, template, {"form": form, name: record, "can_manage": can_manage})


@staff_required
@_explain_denial
def rules(request):
    municipality, can_manage = _city_record_access(request, "減免基準")
    items = ExemptionRule.objects.filter(municipality=municipality)
    return render(request, "reservations/staff/setup_rules.html", {"rules": items, "can_manage": can_manage})


@staff_required
@_explain_denial
def rule_edit(request, pk: int | None = None):
    return _city_record_edit(
        request, ExemptionRule, ExemptionRuleForm, pk, what="減免基準", template="reservations/staff/setup_rule.html", name="rule",
        back="reservations:setup_rules", saved=lambda rule, done: f"減免基準「{rule.name}」を{done}しました。",
    )  # fmt: skip


# --- 相互利用協定 (共同運営: partner cities' registered residents) ---------------------------
@staff_required
@_explain_denial
def agreements(request):
    """The city's agreements with partner cities; seen and changed like 減免基準 (the sections
    that run facilities; their 管理者 change them)."""
    municipality, can_manage = _city_record_access(request, "相互利用協定")
    items = UseAgreement.objects.filter(municipality=municipality).select_related("partner").order_by("partner__code")
    return render(request, "reservations/staff/setup_agreements.html", {"agreements": items, "can_manage": can_manage})


@staff_required
@_explain_denial
def agreement_edit(request, pk: int | None = None):
    municipality, _ = _city_record_access(request, "相互利用協定")
    return _city_record_edit(
        request, UseAgreement, UseAgreementForm, pk, what="相互利用協定", template="reservations/staff/setup_agreement.html", name="agreement",
        back="reservations:setup_agreements", saved=lambda a, done: f"{a.partner.name}との相互利用協定を{done}しました。",
        form_kwargs={"municipality": municipality},
    )  # fmt: skip


def _replace_weekday_hours(rows, days) -> dict:
    """Rewrite an owner's weekday rows (a facility's 開館時間, a counter's 受付時間) from its
    valid day forms: a row per open weekday. Returns {weekday: (opens, closes)}."""
    spans = {f.weekday: (f.cleaned_data["opens"], f.cleaned_data["closes"]) for f in days if not f.cleaned_data.get("closed")}
    rows.all().delete()
    for weekday, (opens, closes) in spans.items():
        rows.create(weekday=weekday, opens=opens, closes=closes)
    return spans


# --- counters and consultations (窓口・相談の設定) ---------------------------------------------
NO_MANAGE_COUNTER = "窓口・相談の設定を変更できるのは、担当課の管理者の権限を持つ職員だけです。担当者・承認者は閲覧のみできます。"


def _counter(request, pk: int) -> Counter:
    return get_object_or_404(permissions.scope(request.user, Counter.objects.select_related("section", "municipality"), "section"), pk=pk)


def _counter_days(data, counter: Counter, slot_minutes: int | None) -> list[CounterDayForm]:
    existing = {h.weekday: h for h in counter.weekday_hours.all()} if counter.pk else {}
    forms = []
    for wd in range(7):
        h = existing.get(wd)
        if existing:
            initial = {"closed": h is None, "opens": h.opens if h else counter.opens, "closes": h.closes if h else counter.closes}
        else:  # no rows yet: the counter's hours on weekdays (the office is shut at weekends)
            initial = {"closed": wd >= 5, "opens": counter.opens, "closes": counter.closes}
        forms.append(CounterDayForm(data, prefix=f"d{wd}", weekday=wd, slot_minutes=slot_minutes, initial=initial))
    return forms


@staff_required
@_explain_denial
def counter_list(request):
    counters = permissions.scope(request.user, Counter.objects.select_related("section"), "section").order_by("section__name", "kind", "name")
    return render(request, "reservations/staff/setup_counters.html", {"counters": counters, "can_create": permissions.can(request.user, "manage")})


@staff_required
@_explain_denial
def counter_edit(request, pk: int | None = None):
    """窓口・相談の登録・編集: the counter's details and its 受付時間 per weekday on one page."""
    if pk is None:
        sections = permissions.scope(request.user, Section.objects.all(), "pk", action="manage").order_by("name")
        if not sections.exists():
            raise PermissionDenied(NO_MANAGE_COUNTER)
        counter, can_manage = Counter(), True
    else:
        counter = _counter(request, pk)
        can_manage = permissions.can(request.user, "manage", counter)
        manageable = permissions.scope(request.user, Section.objects.all(), "pk", action="manage")
        sections = manageable if can_manage else Section.objects.filter(pk=counter.section_id)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(NO_MANAGE_COUNTER)
    data = request.POST if request.method == "POST" else None
    before = _snapshot(counter, CounterForm)
    form = CounterForm(data, instance=counter, sections=sections.order_by("name"))
    slot_minutes = form.cleaned_data.get("slot_minutes") if data is not None and form.is_valid() else counter.slot_minutes
    days = _counter_days(data, counter, slot_minutes)
    if not can_manage:
        for f in [form, *days]:
            _readonly(f)
    hours_error = ""
    if request.method == "POST":
        ok = form.is_valid() and all([f.is_valid() for f in days])
        open_days = [f for f in days if f.is_valid() and not f.cleaned_data.get("closed")]
        if ok and not open_days:
            hours_error = "受付時間: すべての曜日が「受付なし」です。少なくとも1つの曜日の受付開始・受付終了時刻を入力してください。"
        if ok and not hours_error:
            with transaction.atomic():
                old_hours = (
                    {h.weekday: [h.opens.isoformat("minutes"), h.closes.isoformat("minutes")] for h in counter.weekday_hours.all()} if counter.pk else {}
                )
                c = form.instance
                if c.pk is None:
                    c.municipality = form.cleaned_data["section"].municipality
                # opens/closes keep the widest span, for anything that reads them directly
                c.opens = min(f.cleaned_data["opens"] for f in open_days)
                c.closes = max(f.cleaned_data["closes"] for f in open_days)
                created = c.pk is None
                form.save()
                spans = _replace_weekday_hours(c.weekday_hours, days)
                new_hours = {wd: [o.isoformat("minutes"), e.isoformat("minutes")] for wd, (o, e) in spans.items()}
                changes = _changes(form, before)
                if new_hours != old_hours:
                    changes["受付時間"] = {WEEKDAYS[wd]: span for wd, span in sorted(new_hours.items())}
                if changes or created:
                    audit.record(AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, c, request=request, detail=changes)
            messages.success(request, f"窓口「{c.name}」を{'登録' if created else '保存'}しました。")
            return redirect("reservations:setup_counter", pk=c.pk)
    errors = [(field, e) for f in [form, *days] for field in f if field.errors for e in field.errors]
    return render(
        request,
        "reservations/staff/setup_counter.html",
        {"form": form, "days": days, "counter": counter if counter.pk else None, "can_manage": can_manage, "errors": errors, "hours_error": hours_error},
    )
