"""Public comment pages (意見公募): the list, a draft, the opinion form with a confirm step, the
published 「提出意見と市の考え方」; and the staff pages (publish a draft, enter paper opinions,
check personal data, group, write the city's view, publish). Thin: rules are in services.py."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from madoguchi.core import audit, ratelimit
from madoguchi.core.models import AuditLog, Section
from madoguchi.core.permissions import can, refuse, scope, section_ids
from madoguchi.core.staff import staff_required
from madoguchi.core.uploads import UploadError
from madoguchi.core.validation import add_to_form, int_param

from . import conf, exports, services
from .forms import ConsultationForm, GroupForm, OpinionForm, PaperOpinionForm
from .models import Consultation, Opinion, OpinionGroup, PersonalDataFlag


def _public(pk: int) -> Consultation:
    return get_object_or_404(Consultation.objects.select_related("section"), pk=pk, is_published=True)


def index(request):
    today = timezone.localdate()
    published = Consultation.objects.filter(is_published=True).select_related("section")
    context = {
        "open": published.filter(starts_on__lte=today, ends_on__gte=today).order_by("ends_on"),
        "upcoming": published.filter(starts_on__gt=today).order_by("starts_on"),
        "results": published.filter(results_published_at__isnull=False).order_by("-results_published_at")[:20],
        "closed": published.filter(ends_on__lt=today, results_published_at__isnull=True).order_by("-ends_on")[:20],
    }
    return render(request, "participation/index.html", context)


def consultation_detail(request, pk: int):
    consultation = _public(pk)
    return render(
        request,
        "participation/consultation_detail.html",
        {
            "c": consultation,
            "sections": consultation.draft_sections.all(),
            "is_open": consultation.is_open(),
            "required": services.required_labels(consultation),
        },
    )


def draft_pdf(request, pk: int):
    consultation = _public(pk)
    if not consultation.draft_pdf:
        raise Http404
    return FileResponse(consultation.draft_pdf.open("rb"), content_type="application/pdf", filename=f"consultation-{consultation.pk}.pdf")


def _signed_in_limit(request):
    """Signed-in writers are limited per account (the middleware limits anonymous ones)."""
    if request.method == "POST" and request.user.is_authenticated:
        limit, window = conf.signed_in_write_limit()
        return ratelimit.attempt("participation-write", str(request.user.pk), limit=limit, window=window)
    return None


@ratelimit.limit_mail("email", when=lambda r: r.POST.get("step") == "send")
def opinion_form(request, pk: int):
    """Step 1 the form, step 2 the confirmation (「この内容で提出する」), then the receipt."""
    consultation = _public(pk)
    if not consultation.is_open():
        return render(request, "participation/closed.html", {"c": consultation}, status=200)
    initial = {"draft_section": int_param(request.GET.get("section"))}
    form = OpinionForm(request.POST or None, consultation=consultation, initial=initial)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if request.method == "POST":
        block = _signed_in_limit(request)
        if block:
            return ratelimit.too_many_requests(request, block, ratelimit.request_message(block, "意見の提出"))
        if form.is_valid() and step in ("confirm", "send") and request.POST.get("edit") is None:
            data = services.OpinionInput(text=form.cleaned_data["text"], draft_section_id=form.cleaned_data["draft_section"], **form.personal_values())
            if step == "send":
                try:
                    opinion = services.submit_opinion(consultation, data, user=request.user)
                except ValidationError as exc:
                    add_to_form(form, exc, "text")
                else:
                    request.session["participation_receipt"] = opinion.receipt_number
                    return redirect("participation:opinion_done", pk=consultation.pk)
            if not form.errors:
                section = next((s for s in consultation.draft_sections.all() if s.pk == data.draft_section_id), None)
                return render(request, "participation/opinion_confirm.html", {"c": consultation, "form": form, "data": data, "section": section})
    return render(request, "participation/opinion_form.html", {"c": consultation, "form": form})


def opinion_done(request, pk: int):
    consultation = _public(pk)
    return render(request, "participation/opinion_done.html", {"c": consultation, "receipt": request.session.get("participation_receipt", "")})


def _results_or_404(pk: int) -> Consultation:
    consultation = _public(pk)
    if consultation.results_published_at is None:
        raise Http404
    return consultation


def results(request, pk: int):
    consultation = _results_or_404(pk)
    return render(request, "participation/results.html", {"c": consultation, "rows": services.result_rows(consultation)})


def results_xlsx(request, pk: int):
    consultation = _results_or_404(pk)
    response = HttpResponse(exports.results_xlsx(consultation), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}-results.xlsx"'
    return response


def results_pdf(request, pk: int):
    consultation = _results_or_404(pk)
    response = HttpResponse(exports.results_pdf(consultation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consultation-{consultation.pk}-results.pdf"'
    return response


# --- staff --------------------------------------------------------------------------------------


def _staff_consultation(request, pk: int, action: str = "view") -> Consultation:
    consultation = get_object_or_404(Consultation.objects.select_related("section"), pk=pk)
    if not can(request.user, action, consultation):
        raise Http404  # another section's consultation: not even its existence
    return consultation


def _sections(request):
    allowed = section_ids(request.user, "change")
    qs = Section.objects.filter(kind=Section.Kind.SECTION)
    return qs if allowed is None else qs.filter(pk__in=allowed)


@staff_required
def staff_list(request):
    qs = scope(request.user, Consultation.objects.select_related("section"))
    qs = qs.annotate(
        n_opinions=Count("opinions", distinct=True),
        n_flags=Count("opinions__flags", filter=Q(opinions__flags__status=PersonalDataFlag.Status.OPEN), distinct=True),
    )
    return render(request, "participation/staff_list.html", {"consultations": qs})


@staff_required
def staff_edit(request, pk: int | None = None):
    consultation = _staff_consultation(request, pk, "change") if pk else Consultation()
    if not pk and not can(request.user, "change"):
        return refuse(request, "意見公募を作成できるのは、担当課の職員です。", "participation:staff_list")
    initial = (
        {
            "draft_text": services.draft_text(consultation),
            "plan_item_ids": ", ".join(str(i) for i in consultation.plan_links.values_list("plan_item_id", flat=True)),
        }
        if pk
        else {}
    )
    form = ConsultationForm(request.POST or None, request.FILES or None, instance=consultation, initial=initial, sections=_sections(request))
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        services.save_consultation(
            obj, draft=form.cleaned_data["draft_text"], plan_item_ids=form.cleaned_data["plan_item_list"], staff=request.user, request=request
        )
        upload = form.cleaned_data.get("draft_pdf")
        if upload:
            try:
                services.attach_pdf(obj, upload)
            except UploadError as exc:
                form.add_error("draft_pdf", str(exc))
                return render(request, "participation/staff_edit.html", {"form": form, "c": obj})
        messages.success(request, "意見公募を保存しました。")
        return redirect("participation:staff_detail", pk=obj.pk)
    return render(request, "participation/staff_edit.html", {"form": form, "c": consultation if pk else None})


@staff_required
def staff_detail(request, pk: int):
    consultation = _staff_consultation(request, pk)
    opinions = (
        consultation.opinions.select_related("draft_section", "group")
        .annotate(open_flags=Count("flags", filter=Q(flags__status=PersonalDataFlag.Status.OPEN)))
        .order_by("received_at", "id")
    )
    context = {
        "c": consultation,
        "opinions": opinions,
        "groups": consultation.groups.select_related("draft_section").annotate(n=Count("opinions")),
        "suggestions": services.suggest_groups(consultation),
        "problems": services.publication_problems(consultation),
        "can_change": can(request.user, "change", consultation),
        "draft_sections": consultation.draft_sections.all(),
    }
    return render(request, "participation/staff_detail.html", context)


@staff_required
def staff_opinion_new(request, pk: int):
    consultation = _staff_consultation(request, pk, "change")
    form = PaperOpinionForm(request.POST or None, consultation=consultation)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data.get("received_on")
        received_at = timezone.make_aware(dt.datetime.combine(day, dt.time(12))) if day else None
        data = services.OpinionInput(text=form.cleaned_data["text"], draft_section_id=form.cleaned_data["draft_section"], **form.personal_values())
        was_published = consultation.results_published_at is not None
        try:
            opinion = services.enter_opinion(
                consultation, data, channel=form.cleaned_data["channel"], received_at=received_at, staff=request.user, request=request
            )
        except ValidationError as exc:
            add_to_form(form, exc, "text")
        else:
            note = "（マイナンバーと思われる番号を伏せました）" if opinion.my_number_masked else ""
            messages.success(request, f"意見を登録しました（{opinion.receipt_number}）。{note}")
            if was_published:
                messages.warning(request, "公表済みの「提出意見と市の考え方」を取り下げました。確認してから公表し直してください。")
            if "again" in request.POST:
                return redirect("participation:staff_opinion_new", pk=consultation.pk)
            return redirect("participation:staff_detail", pk=consultation.pk)
    return render(request, "participation/staff_opinion_new.html", {"c": consultation, "form": form})


@staff_required
def staff_opinion(request, pk: int):
    """One opinion with its submitter's fields: the owning section only, every read audited."""
    opinion = get_object_or_404(Opinion.objects.select_related("consultation__section", "draft_section", "group"), pk=pk)
    if not can(request.user, "view", opinion):
        raise Http404
    audit.record(AuditLog.Action.VIEW, opinion, request=request, detail={"personal_data": True})
    context = {
        "o": opinion,
        "c": opinion.consultation,
        "flags": opinion.flags.all(),
        "groups": opinion.consultation.groups.all(),
        "can_change": can(request.user, "change", opinion),
    }
    return render(request, "participation/staff_opinion.html", context)


@staff_required
@require_POST
def staff_opinion_action(request, pk: int):
    opinion = get_object_or_404(Opinion.objects.select_related("consultation__section"), pk=pk)
    if not can(request.user, "change", opinion):
        raise Http404
    action = request.POST.get("action", "")
    try:
        if action in ("redact", "keep"):
            flag = get_object_or_404(PersonalDataFlag, pk=int_param(request.POST.get("flag")), opinion=opinion)
            services.resolve_flag(flag, redact_it=action == "redact", staff=request.user, request=request)
        elif action == "public_text":
            services.edit_public_text(opinion, request.POST.get("public_text", ""), staff=request.user, request=request)
        elif action == "group":
            group = get_object_or_404(OpinionGroup, pk=int_param(request.POST.get("group")), consultation=opinion.consultation)
            services.add_to_group(group, [opinion.pk], staff=request.user, request=request)
        else:
            raise Http404
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "保存しました。")
    return redirect("participation:staff_opinion", pk=opinion.pk)


@staff_required
@require_POST
def staff_group_new(request, pk: int):
    consultation = _staff_consultation(request, pk, "change")
    ids = [i for i in (int_param(v) for v in request.POST.getlist("opinions")) if i]
    try:
        services.make_group(
            consultation,
            ids,
            summary=request.POST.get("summary", ""),
            draft_section_id=int_param(request.POST.get("draft_section")),
            staff=request.user,
            request=request,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "意見のまとまりを作りました。")
    return redirect(reverse("participation:staff_detail", args=[consultation.pk]) + "#groups")


@staff_required
def staff_group(request, pk: int):
    group = get_object_or_404(OpinionGroup.objects.select_related("consultation__section"), pk=pk)
    consultation = group.consultation
    if not can(request.user, "view", consultation):
        raise Http404
    form = GroupForm(request.POST or None, initial={"summary": group.summary, "city_view": group.city_view})
    if request.method == "POST":
        if not can(request.user, "change", consultation):
            raise Http404
        if form.is_valid():
            services.set_city_view(group, summary=form.cleaned_data["summary"], city_view=form.cleaned_data["city_view"], staff=request.user, request=request)
            messages.success(request, "市の考え方を保存しました。")
            return redirect(reverse("participation:staff_detail", args=[consultation.pk]) + "#groups")
    return render(request, "participation/staff_group.html", {"group": group, "c": consultation, "form": form, "opinions": group.opinions.all()})


@staff_required
@require_POST
def staff_publish(request, pk: int):
    consultation = _staff_consultation(request, pk, "change")
    try:
        services.publish_results(consultation, staff=request.user, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "「提出意見と市の考え方」を公表しました。")
    return redirect("participation:staff_detail", pk=consultation.pk)
