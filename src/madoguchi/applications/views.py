"""Views of online applications. Thin: rules live in services.py.

Residents: catalogue → procedure → fill (multi-page, drafts) → confirm → submit → my applications.
Staff: inbox (filters, search, bulk, CSV/XLSX) → case detail (status, assign, messages);
counter mode (書かない窓口) reuses the resident's fill/confirm views with ``mode="counter"``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from madoguchi.core import audit, ratelimit, validation
from madoguchi.core.errors import LoginRequired
from madoguchi.core.models import AuditLog, Section
from madoguchi.core.permissions import can, scope
from madoguchi.core.registry import procedure_windows
from madoguchi.core.staff import staff_required

from . import assurance, case_links, counter, exports, fees, pdf, services, signature
from .filters import InboxFilter
from .forms import CaseLinkResendForm, MessageForm, StatusForm, WithdrawForm
from .models import LifeEvent, Procedure, Submission

S = Submission.Status


# --- catalogue ------------------------------------------------------------------------------


def catalogue(request):
    q = request.GET.get("q", "")[:100]
    section = _int(request.GET.get("section"))
    section_error = bool(request.GET.get("section")) and section is None
    event = request.GET.get("event", "")
    life_event = LifeEvent.objects.filter(slug=event).first() if event else None
    procedures = services.catalogue(q=q, section=section, life_event=life_event, online_only=request.GET.get("online") == "1")
    sections = Section.objects.filter(procedures__is_published=True).annotate(n=Count("procedures")).order_by("code", "name")
    return render(
        request,
        "applications/catalogue.html",
        {
            "procedures": procedures,
            "q": q,
            "section_id": section,
            "sections": sections,
            "life_events": LifeEvent.objects.all(),
            "life_event": life_event,
            "online_only": request.GET.get("online") == "1",
            "filtered": bool(q or section or life_event),
            "section_error": section_error,
        },
        status=400 if section_error else 200,
    )


def procedure_detail(request, slug):
    procedure = get_object_or_404(Procedure.objects.select_related("section", "form"), slug=slug, is_published=True)
    draft = None
    if request.user.is_authenticated:
        draft = Submission.objects.filter(procedure=procedure, applicant=request.user, status=S.DRAFT).first()
    # Where it is done in person comes from the app that keeps the counters (one source of truth).
    windows = [w for plugin in procedure_windows.values() for w in plugin.windows(procedure)]
    return render(request, "applications/procedure.html", {"procedure": procedure, "draft": draft, "windows": windows})


@require_POST
def start(request, slug):
    procedure = get_object_or_404(Procedure, slug=slug, is_published=True)
    user = request.user if request.user.is_authenticated else None
    if assurance.needs_sign_in(procedure) and not procedure.identity_provider_available:
        messages.error(request, "この手続はマイナンバーカードによる本人確認が必要です。マイナポータルから申請するか、担当課の窓口でお手続きください。")
        return redirect(procedure)
    if procedure.identity_assurance != Procedure.Assurance.NONE:
        if user is None:
            messages.info(request, "この手続の申請には、ログインが必要です。")
            return redirect_to_login(procedure.get_absolute_url())
        if not user.email_verified:
            messages.error(request, "メールアドレスの確認が済んでいません。届いたメールのリンクを開いてから申請してください。")
            return redirect(procedure)
    verified = assurance.verified_identity(request, procedure) if assurance.needs_sign_in(procedure) else None
    if assurance.needs_sign_in(procedure) and verified is None:
        resumed = Submission.objects.filter(procedure=procedure, applicant=user, status=S.DRAFT).first()
        if resumed is None or assurance.lacks_assurance(resumed):
            # 本人確認 first (consent, the provider), then back to this procedure's page.
            return redirect(assurance.sign_in_url(procedure, procedure.get_absolute_url()))
    if not request.session.session_key:
        request.session.save()
    try:
        draft = services.start_draft(procedure, user=user, session_key=request.session.session_key)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(procedure)
    if verified is not None and assurance.lacks_assurance(draft):
        assurance.record(draft, verified, services.engine_for(draft), request=request)
    return redirect("applications:fill", draft.uuid, draft.current_page)


# --- filling in (resident and counter) -----------------------------------------------------


def _submission_for(request, uuid, mode: str) -> Submission:
    submission = get_object_or_404(Submission.objects.select_related("procedure", "form_version", "section"), uuid=uuid)
    if mode == "counter":
        if submission.channel != Submission.Channel.COUNTER or not can(request.user, "change", submission):
            raise Http404
        return submission
    user = request.user
    if submission.applicant_id and user.is_authenticated and submission.applicant_id == user.pk:
        return submission
    if (
        submission.applicant_id is None
        and submission.channel == Submission.Channel.ONLINE
        and submission.session_key
        and submission.session_key == request.session.session_key
    ):
        return submission
    if submission.applicant_id is None and case_links.opened_here(request.session, submission.uuid):
        return submission  # opened from the signed link in the case's emails, not yet expired
    if submission.applicant_id and not user.is_authenticated:
        raise LoginRequired  # the session expired mid-form: sign in and come back to this page
    raise Http404


def case_link(request, token):
    """The signed link (照会用リンク) in the emails of a case made without an account: remember
    the case in this browser's session until the link expires, and show it."""
    opened = case_links.open_token(token)
    if opened.expired:
        return render(request, "applications/case_link_invalid.html", {"expired": True, "days": case_links.conf.case_link_days()}, status=410)
    submission = opened.submission
    if submission is None:
        return render(request, "applications/case_link_invalid.html", status=404)
    if submission.applicant_id:  # a resident's own account protects the case: sign in
        return redirect_to_login(reverse("applications:my_detail", args=[submission.uuid]))
    case_links.remember(request.session, submission, opened.expires_at)
    return redirect("applications:my_detail", submission.uuid)


@never_cache
@ratelimit.limit_mail("email", sent=lambda response: response.status_code == 200)
def case_link_resend(request):
    """照会用リンクの再送: the receipt number and the address the case gave get a fresh link by
    mail. The answer is the same whether or not they matched a case (no oracle); the mail limit
    per recipient and client address is core.ratelimit's (429 with Retry-After)."""
    form = CaseLinkResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case_links.resend(form.cleaned_data["receipt_number"], form.cleaned_data["email"])
        return render(request, "applications/case_link_resend.html", {"form": CaseLinkResendForm(), "sent": True})
    return render(request, "applications/case_link_resend.html", {"form": form}, status=400 if form.errors else 200)


def _resident(request):
    return request.user if request.user.is_authenticated else None


def _urls(mode: str) -> dict:
    prefix = "applications:counter_" if mode == "counter" else "applications:"
    return {"fill": prefix + "fill", "confirm": prefix + "confirm"}


def fill(request, uuid, page, mode="citizen"):
    submission = _submission_for(request, uuid, mode)
    urls = _urls(mode)
    if submission.status not in (S.DRAFT, S.CORRECTION):
        return redirect(_after_submit_url(submission, mode))
    engine = services.engine_for(submission)
    pages = engine.pages
    if not 0 <= page < len(pages):
        raise Http404
    if mode == "citizen" and assurance.lacks_assurance(submission):
        gate = _identity_gate(request, submission, engine, page)
        if gate is not None:
            return gate
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        outcome = services.save_page(submission, page, request.POST, request.FILES, owner=request, validate=action == "next")
        assurance.reimpose(submission)
        if outcome.masked:
            labels = "・".join(f"「{label}」" for label in outcome.masked)
            messages.warning(request, labels + "にマイナンバー（個人番号）と思われる番号があったため、「[個人番号]」に置き換えて保存しました。")
        if action in ("save", "back") and outcome.dropped:
            # Never silently: what could not be kept is named, with what to do.
            messages.warning(request, "次の項目は保存していません。もう一度入力してください。" + " ".join(outcome.dropped))
        if action == "save":
            kept = "入力内容のうち、正しく入力された項目を一時保存しました。" if outcome.dropped else "入力内容を一時保存しました。"
            messages.success(request, kept + "「申請状況」からいつでも続きを入力できます。")
            return redirect(urls["fill"], submission.uuid, page)
        if action == "back" and page > 0:
            return redirect(urls["fill"], submission.uuid, page - 1)
        if outcome.ok:
            if page + 1 < len(pages):
                return redirect(urls["fill"], submission.uuid, page + 1)
            return redirect(urls["confirm"], submission.uuid)
        errors = outcome.errors
    form_html = assurance.read_only(engine.render_page(request, page, submission.answers, errors), submission)
    context = {
        "submission": submission,
        "procedure": submission.procedure,
        "page": pages[page],
        "page_index": page,
        "pages": pages,
        "form_html": form_html,
        "errors": errors,
        "mode": mode,
        "urls": urls,
        "is_last": page + 1 == len(pages),
    }
    return render(request, "applications/fill.html", context, status=400 if errors else 200)


def _identity_gate(request, submission, engine, page):
    """A draft of a procedure that needs a マイナンバーカード/gBizID sign-in it has not had: what
    was posted is saved first (nothing lost), the resident signs in, and comes back to this page."""
    verified = assurance.verified_identity(request, submission.procedure)
    if verified is not None:
        assurance.record(submission, verified, engine, request=request)
        return None
    if request.method == "POST":
        services.save_page(submission, page, request.POST, request.FILES, owner=request, validate=False)
    url = assurance.sign_in_url(submission.procedure, reverse("applications:fill", args=[submission.uuid, page]))
    if url is None:
        messages.error(request, "この手続はマイナンバーカードによる本人確認が必要です。マイナポータルから申請するか、担当課の窓口でお手続きください。")
        return redirect(submission.procedure)
    return redirect(url)


def confirm(request, uuid, mode="citizen"):
    submission = _submission_for(request, uuid, mode)
    urls = _urls(mode)
    if submission.status not in (S.DRAFT, S.CORRECTION):
        return redirect(_after_submit_url(submission, mode))
    engine = services.engine_for(submission)
    if mode == "citizen" and assurance.lacks_assurance(submission):
        gate = _identity_gate(request, submission, engine, 0)
        if gate is not None:
            return gate
    needs_signature = mode == "citizen" and signature.required(submission)
    signed = signature.valid_signature(submission) if needs_signature else None
    if request.method == "POST":
        assurance.reimpose(submission)
        if needs_signature and signature.valid_signature(submission) is None:  # 電子署名 first: freeze, then the card signs
            url = signature.start_url(request, submission, request.path)
            if url is None:
                messages.error(request, "この自治体では電子署名をまだ利用できないため、オンラインで申請できません。担当課の窓口でお手続きください。")
                return redirect(request.path)
            return redirect(url)
        try:
            services.submit(submission, actor=request.user if request.user.is_authenticated else None, request=request)
        except ValidationError as exc:
            errors = validation.as_dict(exc)
            first = _first_error_page(engine, errors)
            messages.error(request, "入力内容に不備があります。該当する項目を直してください。")
            return redirect(urls["fill"], submission.uuid, first)
        submission.refresh_from_db()
        if mode == "counter":
            messages.success(request, f"窓口での申請を受け付けました。受付番号 {submission.receipt_number}")
        else:
            messages.success(request, f"申請を受け付けました。受付番号は {submission.receipt_number} です。確認メールをお送りしました。")
        return redirect(_after_submit_url(submission, mode))
    return render(
        request,
        "applications/confirm.html",
        {
            "submission": submission,
            "procedure": submission.procedure,
            "groups": _grouped_summary(engine, submission.answers),
            "mode": mode,
            "urls": urls,
            "needs_signature": needs_signature,
            "signed": signed,
        },
    )


def _grouped_summary(engine, answers) -> list[dict]:
    """Summary rows per page, so each group links back to the page that edits it."""
    rows = engine.summary(answers)
    groups = []
    for index, page in enumerate(engine.pages):
        keys = {f.key for f in page.fields}
        page_rows = [r for r in rows if r.key in keys]
        if page_rows:
            groups.append({"index": index, "title": page.title, "rows": page_rows})
    return groups


def _first_error_page(engine, errors: dict) -> int:
    for i, page in enumerate(engine.pages):
        if any(f.key in errors for f in page.fields):
            return i
    return 0


def _after_submit_url(submission: Submission, mode: str) -> str:
    if mode == "counter":
        return reverse("applications:counter_print", args=[submission.uuid])
    return reverse("applications:my_detail", args=[submission.uuid])


# --- my applications ---------------------------------------------------------------------------


@login_required
def my_list(request):
    submissions = Submission.objects.filter(applicant=request.user).select_related("procedure", "section").order_by("-updated_at")
    drafts = [s for s in submissions if s.status == S.DRAFT]
    cases = fees.mark_awaiting(s for s in submissions if s.status != S.DRAFT)
    return render(request, "applications/my_list.html", {"drafts": drafts, "cases": cases})


def my_detail(request, uuid):
    if not request.user.is_authenticated and not case_links.opened_here(request.session, uuid):
        return redirect_to_login(request.get_full_path())
    submission = _submission_for(request, uuid, "citizen")
    if submission.status == S.DRAFT:
        return redirect("applications:fill", submission.uuid, submission.current_page)
    return _my_detail_page(request, submission)


def _my_detail_page(request, submission, *, message_form=None, withdraw_form=None, status=None):
    """The resident's case page; a refused message or withdrawal comes back with its error next
    to the field and the text kept (status 400)."""
    events = submission.events.filter(visible_to_applicant=True).select_related("actor")
    rows = services.engine_for(submission).summary(submission.answers)
    context = {
        "submission": submission,
        "events": events,
        "rows": rows,
        "files": services.attached_files(submission),
        "can_withdraw": submission.status in services.WITHDRAWABLE,
        "steps": _steps(submission),
        "message_form": message_form or MessageForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
        **fees.context(submission, request.user),  # 手数料: owed, pay link, 支払済 and the receipt
    }
    status = status or (400 if (message_form and message_form.errors) or (withdraw_form and withdraw_form.errors) else 200)
    return render(request, "applications/my_detail.html", context, status=status)


def _steps(submission: Submission) -> list[dict]:
    order = [S.RECEIVED, S.REVIEWING, S.COMPLETED]
    current = {S.CORRECTION: S.REVIEWING, S.REJECTED: S.COMPLETED, S.WITHDRAWN: S.COMPLETED}.get(submission.status, submission.status)
    index = order.index(current) if current in order else 0
    labels = {S.COMPLETED: S(submission.status).label if submission.status in services.CLOSED else S.COMPLETED.label}
    return [{"label": labels.get(s, S(s).label), "done": i < index, "current": i == index} for i, s in enumerate(order)]


@require_POST
def my_message(request, uuid):
    submission = _submission_for(request, uuid, "citizen")  # own account, or the case's signed link
    form = MessageForm(request.POST)
    if submission.applicant_id is None and not case_links.may_write(submission):
        # The link still shows a closed or withdrawn case until it expires, but writes nothing.
        messages.error(request, case_links.closed_message(submission))
        return _my_detail_page(request, submission, status=403)
    if form.is_valid():
        try:
            services.post_message(submission, form.cleaned_data["body"], sender=_resident(request), from_staff=False)
            messages.success(request, "メッセージを送信しました。")
            return redirect("applications:my_detail", submission.uuid)
        except ValidationError as exc:
            form.refuse(exc)
    return _my_detail_page(request, submission, message_form=form)


@require_POST
def my_withdraw(request, uuid):
    submission = _submission_for(request, uuid, "citizen")  # own account, or the case's signed link
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw(submission, user=_resident(request), reason=form.cleaned_data["reason"])
            messages.success(request, "申請を取り下げました。")
            return redirect("applications:my_detail", submission.uuid)
        except ValidationError as exc:
            form.refuse(exc)
    return _my_detail_page(request, submission, withdraw_form=form)


def my_pdf(request, uuid):
    submission = _submission_for(request, uuid, "citizen")
    return _pdf_response(submission)


def _pdf_response(submission: Submission, *, for_signature: bool = False, answers: dict | None = None) -> HttpResponse:
    response = HttpResponse(pdf.render(submission, for_signature=for_signature, answers=answers), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf.filename(submission)}"'
    return response


def submission_file(request, uuid, upload_id):
    """An attached file: only the applicant and staff of the owning section (audited)."""
    from madoguchi.forms.models import Upload
    from madoguchi.forms.uploads import serve

    submission = get_object_or_404(Submission, uuid=uuid)
    staff_view = request.user.is_authenticated and request.user.is_staff and can(request.user, "view", submission)
    if staff_view:
        if not request.user.is_verified():
            return redirect("accounts:otp_verify")
    else:
        submission = _submission_for(request, uuid, "citizen")
    allowed = services.upload_ids(submission.answers)
    if staff_view:
        allowed |= services.upload_ids(services.correction_snapshot(submission) or {})
    if upload_id not in allowed:
        raise Http404
    upload = get_object_or_404(Upload, pk=upload_id)
    if staff_view:
        audit.record(AuditLog.Action.DOWNLOAD, submission, request=request, detail={"upload": upload_id})
    return serve(request, upload)


# --- staff: inbox ------------------------------------------------------------------------------


@staff_required
def staff_inbox(request):
    if request.method == "POST":
        return _bulk(request)
    filt = InboxFilter(request.user, request.GET or None)
    qs = filt.apply_corporate_number(services.inbox(request.user, **filt.criteria()))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = fees.mark_awaiting(page.object_list)  # 支払待ち (事前決済 not paid yet)
    audit.record(AuditLog.Action.VIEW, None, request=request, target_label="申請一覧", detail={"submissions": [s.pk for s in page.object_list]})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "applications/staff_inbox.html",
        {
            "filter": filt,
            "page": page,
            "query": query.urlencode(),
            "statuses": [c for c in S.choices if c[0] != S.DRAFT],
            "bulk_targets": [S.REVIEWING, S.COMPLETED, S.REJECTED],
        },
    )


def _bulk(request):
    to_status = request.POST.get("to_status", "")
    ids = request.POST.getlist("selected")
    if to_status not in S.values or not ids:
        messages.error(request, "一括変更するには、申請を1件以上選び、変更後の状態を選んでください。")
        return redirect(request.get_full_path())
    submissions = scope(request.user, Submission.objects.filter(uuid__in=ids).select_related("procedure"))
    try:
        changed, skipped = services.bulk_change_status(submissions, to_status, actor=request.user, comment=request.POST.get("comment", ""), request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(request.get_full_path())
    messages.success(request, f"{changed}件の状態を「{S(to_status).label}」にしました。")
    for reason in skipped[:10]:
        messages.warning(request, reason)
    return redirect(request.get_full_path())


@staff_required
def staff_export(request, fmt):
    filt = InboxFilter(request.user, request.GET or None)
    criteria = filt.criteria()
    qs = filt.apply_corporate_number(services.inbox(request.user, **criteria))
    content, content_type, name = exports.export(qs, fmt, procedure=criteria.get("procedure"))
    # Which cases left the system, so "who exported 2026-000123?" has an answer (audit log filter).
    receipts = list(qs.order_by().values_list("receipt_number", flat=True)[: exports.AUDITED_RECEIPTS])
    audit.record(
        AuditLog.Action.EXPORT,
        None,
        request=request,
        target_label="申請一覧",
        detail={"format": fmt, "count": qs.count(), "filter": request.GET.dict(), "receipts": receipts},
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- staff: one case --------------------------------------------------------------------------


@staff_required
def staff_detail(request, uuid):
    submission = get_object_or_404(Submission.objects.select_related("procedure", "section", "assignee", "form_version"), uuid=uuid)
    if not can(request.user, "view", submission) or submission.status == S.DRAFT:
        raise Http404
    if request.method == "POST":
        return _staff_action(request, submission)
    return _staff_page(request, submission)


def _targets(submission):
    return [(s, S(s).label) for s in sorted(services.STAFF_TRANSITIONS.get(submission.status, ()))]


def _staff_page(request, submission, *, status_form=None, message_form=None):
    """The case in the back office (every showing is audited); a refused action comes back with
    its error next to the field and the text kept (status 400)."""
    audit.record(AuditLog.Action.VIEW, submission, request=request)
    from django.contrib.auth import get_user_model

    colleagues = get_user_model().objects.filter(staff_roles__section=submission.section, is_active=True).distinct()
    snapshot = services.correction_snapshot(submission)  # during 補正: what was submitted, not edits in progress
    answers = submission.answers if snapshot is None else snapshot
    context = {
        "submission": submission,
        "in_correction": snapshot is not None,
        "rows": services.engine_for(submission).summary(answers),
        "files": services.attached_files(submission, answers),
        "events": submission.events.select_related("actor"),
        "colleagues": colleagues,
        "can_change": can(request.user, "change", submission),
        **fees.staff_context(submission),  # 支払待ち and the fee's payment
        "status_form": status_form or StatusForm(targets=_targets(submission)),
        "message_form": message_form or MessageForm(label=_("メッセージ・メモ")),
    }
    status = 400 if (status_form and status_form.errors) or (message_form and message_form.errors) else 200
    return render(request, "applications/staff_detail.html", context, status=status)


def _staff_action(request, submission):
    action = request.POST.get("action")
    try:
        if action == "status":
            form = StatusForm(request.POST, targets=_targets(submission))
            if not form.is_valid():
                return _staff_page(request, submission, status_form=form)
            try:
                services.change_status(submission, form.cleaned_data["to_status"], actor=request.user, comment=form.cleaned_data["comment"], request=request)
            except ValidationError as exc:
                form.refuse(exc)
                return _staff_page(request, submission, status_form=form)
            messages.success(request, "状態を変更しました。")
        elif action == "assign":
            from django.contrib.auth import get_user_model

            pk = _int(request.POST.get("assignee"))
            assignee = get_user_model().objects.filter(pk=pk).first() if pk else None
            services.assign(submission, assignee, actor=request.user, request=request)
            messages.success(request, "担当者を設定しました。")
        elif action in ("message", "note"):
            form = MessageForm(request.POST, label=_("メッセージ・メモ"))
            if not form.is_valid():
                return _staff_page(request, submission, message_form=form)
            try:
                services.post_message(submission, form.cleaned_data["body"], sender=request.user, from_staff=True, internal=action == "note", request=request)
            except ValidationError as exc:
                form.refuse(exc)
                return _staff_page(request, submission, message_form=form)
            messages.success(request, "メッセージを送信しました。" if action == "message" else "内部メモを記録しました。")
        else:
            messages.error(request, "操作を選んでください。")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "この操作を行う権限がありません。")
    return redirect("applications:staff_detail", submission.uuid)


@staff_required
def staff_pdf(request, uuid):
    submission = get_object_or_404(Submission, uuid=uuid)
    if not can(request.user, "view", submission):
        raise Http404
    audit.record(AuditLog.Action.EXPORT, submission, request=request, detail={"format": "pdf"})
    return _pdf_response(submission, for_signature=submission.channel == Submission.Channel.COUNTER, answers=services.correction_snapshot(submission))


# --- staff: counter mode (書かない窓口) -------------------------------------------------------------


@staff_required
def counter_home(request):
    # Every procedure with a form, online or counter-only: identity is checked in person.
    procedures = scope(request.user, Procedure.objects.filter(form__isnull=False).select_related("section"), action="change")
    return render(request, "applications/counter_home.html", {"procedures": procedures})


@staff_required
@require_POST
def counter_start(request, slug):
    procedure = get_object_or_404(Procedure, slug=slug)
    if not can(request.user, "change", procedure):
        raise Http404
    try:
        draft = services.start_draft(procedure, channel=Submission.Channel.COUNTER, taken_by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("applications:counter_home")
    return redirect("applications:counter_fill", draft.uuid, 0)


@staff_required
def counter_fill(request, uuid, page):
    return fill(request, uuid, page, mode="counter")


@staff_required
def counter_confirm(request, uuid):
    return confirm(request, uuid, mode="counter")


@staff_required
def counter_print(request, uuid):
    submission = get_object_or_404(Submission, uuid=uuid, channel=Submission.Channel.COUNTER)
    if not can(request.user, "view", submission):
        raise Http404
    audit.record(AuditLog.Action.VIEW, submission, request=request, detail={"print": True})
    rows = services.engine_for(submission).summary(submission.answers)
    return render(request, "applications/counter_print.html", {"submission": submission, "rows": rows, "files": services.attached_files(submission)})


@staff_required
def counter_receipt(request, uuid):
    """受付票（控え）: the page printed for the visitor — receipt number, where to ask and what
    happens next; no answers (like the receipt email). Contact details are optional at the
    counter, so for many visitors this paper is the only way back to their case."""
    submission = get_object_or_404(Submission.objects.select_related("procedure", "section", "municipality"), uuid=uuid, channel=Submission.Channel.COUNTER)
    if not can(request.user, "view", submission) or not submission.receipt_number:
        raise Http404
    audit.record(AuditLog.Action.VIEW, submission, request=request, detail={"receipt": True})
    context = {"submission": submission, "section": submission.section or submission.procedure.section, "steps": counter.next_steps(submission)}
    return render(request, "applications/counter_receipt.html", context)


def _int(value):
    return validation.int_param(value)  # 30 digits would overflow SQLite's integer: no filter instead


# --- staff: the procedure catalogue (手続の管理) -------------------------------------------------


@staff_required
def staff_procedures(request):
    procedures = scope(request.user, Procedure.objects.select_related("section", "form")).order_by("section__name", "order")
    return render(request, "applications/staff_procedures.html", {"procedures": procedures})


@staff_required
def staff_procedure_edit(request, slug=None):
    from .forms import ProcedureForm

    procedure = get_object_or_404(Procedure, slug=slug) if slug else None
    if procedure is not None and not can(request.user, "manage", procedure):
        raise Http404
    if procedure is None and not can(request.user, "manage"):
        raise PermissionDenied("手続を追加できるのは、課の管理者またはプラットフォーム管理者です。")
    form = ProcedureForm(request.user, request.POST or None, instance=procedure)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        audit.record(AuditLog.Action.UPDATE if procedure else AuditLog.Action.CREATE, saved, request=request)
        messages.success(request, f"「{saved.name}」を保存しました。")
        return redirect("applications:staff_procedures")
    return render(request, "applications/staff_procedure_edit.html", {"form": form, "procedure": procedure})
