"""Public pages (notices, feeds, CAP, subscribe/confirm/unsubscribe, service worker, LINE webhook)
and staff pages (compose, approve, send, correct, report, CAP import, settings). Thin: rules
are in services.py."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core import audit
from madoguchi.core.links import site_url
from madoguchi.core.models import AuditLog, Municipality, Section
from madoguchi.core.permissions import can, scope, section_ids
from madoguchi.core.staff import staff_required

from . import conf, services
from .channels import cap as cap_channel
from .channels import web as web_channel
from .channels.cap import CapImportError
from .channels.webpush import public_key
from .forms import AreaForm, CapUploadForm, ChangeEmailForm, ManageForm, NoticeForm, RejectForm, SubscribeForm, TopicForm
from .models import Area, Notice, Subscription, TargetingConsent, Topic

PUBLISHED = [Notice.Status.SENDING, Notice.Status.SENT]


def _municipality():
    m = Municipality.current()
    if m is None:
        raise Http404("自治体が設定されていません。")
    return m


def _published(municipality):
    return Notice.objects.filter(municipality=municipality, status__in=PUBLISHED).select_related("topic", "references").order_by("-sent_at")


# --- public ---------------------------------------------------------------------------------


def notice_list(request):
    municipality = _municipality()
    qs = _published(municipality)
    topic = request.GET.get("topic", "")
    if topic:
        qs = qs.filter(topic__slug=topic)
    now = timezone.now()
    current = [n for n in qs[:50] if not n.expires_at or n.expires_at > now]
    return render(
        request,
        "alerts/notice_list.html",
        {"notices": qs[:50], "current": current, "topics": Topic.objects.filter(municipality=municipality, is_active=True), "topic": topic},
    )


def notice_detail(request, pk: int):
    notice = get_object_or_404(Notice.objects.select_related("topic", "references", "section"), pk=pk, status__in=PUBLISHED)
    lang = request.GET.get("lang", "ja")
    if lang not in notice.languages():
        lang = "ja"
    title, body = notice.text(lang)
    corrections = notice.corrections.filter(status__in=PUBLISHED).order_by("sent_at")
    return render(request, "alerts/notice_detail.html", {"notice": notice, "title": title, "body": body, "lang": lang, "corrections": corrections})


def feed(request, kind: str):
    municipality = _municipality()
    data = web_channel.feed(_published(municipality)[:50], kind=kind, base_url=site_url(municipality), municipality=municipality)
    ctype = "application/atom+xml" if kind == "atom" else "application/rss+xml"
    return HttpResponse(data, content_type=f"{ctype}; charset=utf-8")


def cap_notice(request, identifier):
    notice = get_object_or_404(Notice, identifier=identifier, status__in=PUBLISHED)
    return HttpResponse(cap_channel.build(notice), content_type="application/cap+xml; charset=utf-8")


def cap_index(request):
    """Atom index of CAP messages (the feed shape alert aggregators poll)."""
    from feedgen.feed import FeedGenerator

    municipality = _municipality()
    base = site_url(municipality)
    fg = FeedGenerator()
    fg.id(base + "/alerts/cap/")
    fg.title(f"{municipality.name} CAP 1.2 feed")
    fg.link(href=base + "/alerts/cap/feed.atom", rel="self")
    fg.author({"name": municipality.name})
    for notice in reversed(list(_published(municipality)[:50])):
        fe = fg.add_entry()
        url = base + f"/alerts/cap/{notice.identifier}.xml"
        fe.id(cap_channel.identifier(notice))
        fe.title(notice.title)
        fe.link(href=url, rel="alternate", type="application/cap+xml")
        fe.updated(notice.sent_at)
        fe.summary(f"{notice.get_severity_display()} / {notice.topic.name if notice.topic_id else ''}")
    return HttpResponse(fg.atom_str(pretty=True), content_type="application/atom+xml; charset=utf-8")


@require_http_methods(["GET", "POST"])
def subscribe(request):
    municipality = _municipality()
    user = request.user if request.user.is_authenticated else None
    initial = {"email": user.email} if user else {}
    form = SubscribeForm(request.POST or None, municipality=municipality, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with transaction.atomic():
            if d["channel"] == "line":
                sub = services.start_line_link(municipality, topics=d["topics"], areas=d["areas"], language=d["language"], user=user)
                if d["facts"]:
                    services._apply_choices(sub, d["topics"], d["areas"], d["facts"], d["consent"])
                return render(request, "alerts/subscribe_line.html", {"sub": sub})
            sub = services.subscribe_email(
                municipality, d["email"], topics=d["topics"], areas=d["areas"], language=d["language"], facts=d["facts"], consent=d["consent"], user=user
            )
        # The same page whether or not the address was already subscribed (the form must not
        # tell who is); only the signed-in owner of a verified address is subscribed at once.
        started = services.owns_address(user, d["email"]) and sub.status == Subscription.Status.ACTIVE
        return render(request, "alerts/subscribe_done.html", {"email": d["email"].strip().lower(), "started": started})
    return render(request, "alerts/subscribe.html", {"form": form, "vapid_key": public_key()})


def confirm(request, token: str):
    sub = get_object_or_404(Subscription, token=token)
    error = ""
    if request.method == "POST":
        try:
            services.confirm(sub)
        except ValidationError as exc:
            error = exc.messages[0]
        return render(request, "alerts/confirm.html", {"sub": sub, "done": not error, "error": error})
    # GET only asks: mail scanners that follow links must not confirm on a person's behalf.
    return render(request, "alerts/confirm.html", {"sub": sub, "done": False})


@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without a CSRF token; the token in the URL is the credential
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    sub = Subscription.objects.filter(token=token).first()
    if sub is None:
        return render(request, "alerts/unsubscribe.html", {"missing": True}, status=404)
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        what = request.POST.get("what", "all")
        if what == "consent" and not one_click:
            services.withdraw_consent(sub)
            return render(request, "alerts/unsubscribe.html", {"sub": sub, "consent_removed": True})
        services.unsubscribe(sub)
        if one_click:
            return HttpResponse("unsubscribed", content_type="text/plain")
        return render(request, "alerts/unsubscribe.html", {"sub": sub, "done": True})
    return render(request, "alerts/unsubscribe.html", {"sub": sub})


@require_http_methods(["GET", "POST"])
def manage(request, key: str):
    """受け取り設定, reached by the signed link in every email or from 「受け取り設定」 when
    signed in: topics, areas, language, targeting consent, unsubscribe."""
    sub = services.subscription_for_manage_key(key)
    if sub is None:
        return render(request, "alerts/manage.html", {"missing": True}, status=404)
    municipality = sub.municipality
    consent = TargetingConsent.objects.filter(subscription=sub).first()
    initial = {
        "topics": list(sub.topics.all()),
        "areas": list(sub.areas.all()),
        "language": sub.language,
        "facts": consent.facts if consent else [],
        "consent": bool(consent),
    }
    action = request.POST.get("action", "save")
    bound = request.method == "POST" and action == "save"
    form = ManageForm(request.POST if bound else None, municipality=municipality, initial=initial)
    status = ""
    email_form = ChangeEmailForm(request.POST if request.method == "POST" and action == "email" else None, prefix="change")
    if request.method == "POST":
        if action == "email" and sub.channel == "email":
            if email_form.is_valid():
                try:
                    services.request_email_change(sub, email_form.cleaned_data["new_email"])
                    return redirect(request.path + "?done=email")
                except ValidationError as exc:
                    email_form.add_error("new_email", exc.messages[0])
        if action == "unsubscribe":
            services.unsubscribe(sub)
            return render(request, "alerts/unsubscribe.html", {"sub": sub, "done": True})
        if action == "consent":
            services.withdraw_consent(sub)
            return redirect(request.path + "?done=consent")
        if form.is_valid():
            d = form.cleaned_data
            services.update_choices(sub, topics=d["topics"], areas=d["areas"], language=d["language"], facts=d["facts"], consent=d["consent"])
            return redirect(request.path + "?done=saved")
    status = {
        "saved": _("受け取り設定を保存しました。"),
        "consent": _("プッシュ型配信の同意を取り消し、属性を削除しました。"),
        "email": _("新しいメールアドレスに確認のメールを送りました。メールのリンクを開くと宛先が変わります。"),
        "changed": _("メールの宛先を変更しました。"),
    }.get(request.GET.get("done", ""), "")
    context = {"sub": sub, "form": form, "email_form": email_form, "status": status, "has_consent": consent is not None}
    return render(request, "alerts/manage.html", context)


@require_http_methods(["GET", "POST"])
def change_email(request, value: str):
    """Confirm a new address for an email subscription. GET only asks (mail scanners follow links)."""
    try:
        sub, new = services.email_change_for(value)
    except ValidationError as exc:
        return render(request, "alerts/change_email.html", {"error": exc.messages[0]}, status=400)
    if request.method == "POST":
        try:
            sub = services.confirm_email_change(value)
        except ValidationError as exc:
            return render(request, "alerts/change_email.html", {"error": exc.messages[0]}, status=400)
        return redirect(reverse("alerts:manage", args=[services.manage_key(sub)]) + "?done=changed")
    return render(request, "alerts/change_email.html", {"sub": sub, "new": new})


def mine(request):
    """The signed-in resident's subscriptions (by account or by the account's verified address)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    user = request.user
    match = Q(user=user)
    if getattr(user, "email_verified", False) and user.email:
        match |= Q(channel="email", address=user.email.lower())
    subs = Subscription.objects.filter(match).exclude(status=Subscription.Status.UNSUBSCRIBED).order_by("channel", "pk")
    rows = [{"sub": s, "key": services.manage_key(s)} for s in subs]
    return render(request, "alerts/mine.html", {"rows": rows})


SW_PATH = Path(__file__).resolve().parent / "static" / "alerts" / "sw.js"


def service_worker(request):
    """Served from /alerts/sw.js so its scope covers /alerts/ (where the subscribe page lives)."""
    resp = HttpResponse(SW_PATH.read_bytes(), content_type="text/javascript; charset=utf-8")
    resp["Service-Worker-Allowed"] = "/alerts/"
    resp["Cache-Control"] = "no-cache"
    return resp


@csrf_exempt  # called by LINE, authenticated by X-Line-Signature
@require_POST
def line_webhook(request):
    from linebot.v3.exceptions import InvalidSignatureError

    signature = request.headers.get("X-Line-Signature", "")
    if not signature or not conf.line_channel_secret():
        return HttpResponseBadRequest("missing signature")
    try:
        events = services_line_parse(request.body.decode("utf-8"), signature)
    except InvalidSignatureError:
        return HttpResponseBadRequest("invalid signature")
    except (ValueError, UnicodeDecodeError):
        return HttpResponseBadRequest("invalid body")
    municipality = _municipality()
    for event in events:
        with transaction.atomic():
            reply = services.line_event(municipality, event)
        token = getattr(event, "reply_token", None)
        if reply and token:
            _line_reply(token, reply)
    return HttpResponse("OK")


def services_line_parse(body: str, signature: str):
    from .channels.line import parse_webhook

    return parse_webhook(body, signature)


def _line_reply(token: str, text: str) -> None:
    from linebot.v3.messaging import MessagingApi, ReplyMessageRequest, TextMessage

    from .channels.line import api_client

    try:
        with api_client() as client:
            MessagingApi(client).reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)]))
    except Exception:  # noqa: BLE001 — a reply is a courtesy; the link itself is saved
        pass


# --- staff ----------------------------------------------------------------------------------


def _staff_notices(request):
    return scope(request.user, Notice.objects.filter(municipality=_municipality()), "section")


@staff_required
def staff_list(request):
    notices = _staff_notices(request).select_related("topic", "section").order_by("-created_at")[:200]
    waiting = [n for n in notices if services.may_approve(request.user, n)]
    return render(request, "alerts/staff_list.html", {"notices": notices, "waiting": waiting})


def _sections(request):
    allowed = section_ids(request.user, "change")
    qs = Section.objects.filter(municipality=_municipality(), kind=Section.Kind.SECTION)
    return qs if allowed is None else qs.filter(pk__in=allowed)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk: int | None = None):
    municipality = _municipality()
    notice = None
    if pk:
        notice = get_object_or_404(_staff_notices(request), pk=pk)
        if not can(request.user, "change", notice):
            raise PermissionDenied(_("このお知らせを変更する権限がありません。"))
        if notice.status not in (Notice.Status.DRAFT, Notice.Status.PENDING_APPROVAL):
            messages.error(request, _("配信予約・配信済みのお知らせは変更できません。訂正のお知らせを作成してください。"))
            return redirect("alerts:staff_detail", pk=notice.pk)
    form = NoticeForm(request.POST or None, instance=notice or Notice(municipality=municipality), municipality=municipality, sections=_sections(request))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            is_new = form.instance.pk is None
            obj = form.save(commit=False)
            obj.edited_by = request.user
            if is_new:
                obj.created_by = request.user
            elif obj.status == Notice.Status.PENDING_APPROVAL:
                obj.status = Notice.Status.DRAFT  # a changed text needs a fresh approval
            obj.save()
            form.save_m2m()
            services.audit_notice(AuditLog.Action.CREATE if is_new else AuditLog.Action.UPDATE, obj, request.user, fields=sorted(form.changed_data))
        messages.success(request, _("保存しました。内容と配信プレビューを確認してください。"))
        return redirect("alerts:staff_detail", pk=obj.pk)
    return render(request, "alerts/staff_form.html", {"form": form, "notice": notice})


@staff_required
def staff_detail(request, pk: int):
    notice = get_object_or_404(
        _staff_notices(request).select_related("topic", "section", "references", "created_by", "edited_by", "requested_by", "approved_by"), pk=pk
    )
    audit.record(AuditLog.Action.VIEW, notice)
    problems = services.validation_problems(notice) if notice.status in (Notice.Status.DRAFT, Notice.Status.PENDING_APPROVAL) else []
    history = AuditLog.objects.filter(target_type="alerts.notice", target_id=str(notice.pk)).exclude(action=AuditLog.Action.VIEW).order_by("created_at")
    return render(
        request,
        "alerts/staff_detail.html",
        {
            "notice": notice,
            "problems": problems,
            "previews": services.previews(notice),
            "report": services.report(notice),
            "history": history,
            "can_approve": services.may_approve(request.user, notice),
            "needs_approval": services.needs_approval(request.user, notice),
            "reject_form": RejectForm(),
        },
    )


@staff_required
@require_POST
def staff_action(request, pk: int, action: str):
    notice = get_object_or_404(_staff_notices(request), pk=pk)
    try:
        if action == "send":
            notice = services.request_send(notice, request.user)
            msg = {
                Notice.Status.PENDING_APPROVAL: _("承認待ちにしました。承認者が承認すると配信されます。"),
                Notice.Status.SCHEDULED: _("配信を予約しました。"),
            }.get(notice.status, _("配信を始めました。"))
        elif action == "approve":
            notice = services.approve(notice, request.user)
            msg = _("承認しました。") + (_("配信を予約しました。") if notice.status == Notice.Status.SCHEDULED else _("配信を始めました。"))
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("差し戻しの理由を入力してください。"))
                return redirect("alerts:staff_detail", pk=pk)
            services.reject(notice, request.user, form.cleaned_data["reason"])
            msg = _("差し戻しました。")
        elif action == "withdraw":
            services.withdraw(notice, request.user)
            msg = _("取り下げました。")
        elif action in ("correct", "cancel"):
            new = services.start_correction(notice, request.user, Notice.Kind.UPDATE if action == "correct" else Notice.Kind.CANCEL)
            messages.success(request, _("訂正・取消のお知らせを下書きで作成しました。内容を確認して配信してください。"))
            return redirect("alerts:staff_edit", pk=new.pk)
        else:
            raise Http404
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("alerts:staff_detail", pk=pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("alerts:staff_detail", pk=pk)
    messages.success(request, msg)
    return redirect("alerts:staff_detail", pk=pk)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_import(request):
    municipality = _municipality()
    sections = _sections(request)
    form = CapUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        section = sections.filter(name="防災安全課").first() or sections.first()
        if section is None:
            raise PermissionDenied(_("お知らせを作成できる課がありません。"))
        try:
            with transaction.atomic():
                notice = services.import_cap(
                    municipality, form.cleaned_data["file"].read(), section=section, source=f"upload:{form.cleaned_data['file'].name}", user=request.user
                )
        except CapImportError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("CAP を下書きとして取り込みました。分野・地域・本文を確認してください。"))
            return redirect("alerts:staff_detail", pk=notice.pk)
    return render(request, "alerts/staff_import.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_settings(request):
    municipality = _municipality()
    if not can(request.user, "manage"):
        raise PermissionDenied(_("分野・地域の設定は管理者だけが変更できます。"))
    topic_form = TopicForm(request.POST if request.POST.get("form") == "topic" else None, instance=Topic(municipality=municipality), prefix="topic")
    area_form = AreaForm(request.POST if request.POST.get("form") == "area" else None, instance=Area(municipality=municipality), prefix="area")
    for form, label in ((topic_form, "topic"), (area_form, "area")):
        if request.method == "POST" and request.POST.get("form") == label and form.is_valid():
            try:
                with transaction.atomic():
                    obj = form.save()
                    audit.record(AuditLog.Action.CREATE, obj)
            except IntegrityError:
                form.add_error(None, _("同じ識別子または名称がすでにあります。別の値にしてください。"))
            else:
                messages.success(request, _("追加しました。"))
                return redirect("alerts:staff_settings")
    if request.method == "POST" and request.POST.get("form") == "toggle":
        topic = get_object_or_404(Topic, municipality=municipality, pk=request.POST.get("topic"))
        topic.is_active = not topic.is_active
        topic.save(update_fields=["is_active"])
        audit.record(AuditLog.Action.UPDATE, topic, detail={"is_active": topic.is_active})
        return redirect("alerts:staff_settings")
    return render(
        request,
        "alerts/staff_settings.html",
        {
            "topics": Topic.objects.filter(municipality=municipality),
            "areas": Area.objects.filter(municipality=municipality),
            "topic_form": topic_form,
            "area_form": area_form,
        },
    )
