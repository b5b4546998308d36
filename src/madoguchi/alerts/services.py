"""Rules of alerts: subscribing (double opt-in, push, LINE linking), unsubscribing, notice
validation, approval (承認), sending, corrections, fan-out and delivery with leases."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.core import audit, notify, rawsql, validation
from madoguchi.core.models import AuditLog
from madoguchi.core.permissions import can, is_platform_admin
from madoguchi.core.tasks import _worker_id, enqueue

from . import channels, conf
from .channels import Outcome
from .models import Channel, Delivery, Notice, Subscription, TargetingConsent

log = logging.getLogger(__name__)

CONSENT_TEXT = "選んだ属性を、対象を絞ったお知らせの配信だけに使うことに同意します。同意はいつでも取り消せます。"


# --- subscriptions --------------------------------------------------------------------------


def _apply_choices(sub: Subscription, topics, areas, facts=None, consent: bool = False) -> None:
    sub.topics.set(topics)
    sub.areas.set(areas)
    if facts and consent:
        TargetingConsent.objects.update_or_create(
            subscription=sub, defaults={"facts": sorted(set(facts)), "consented_at": timezone.now(), "consent_text": CONSENT_TEXT}
        )
    elif not facts:
        TargetingConsent.objects.filter(subscription=sub).delete()


def owns_address(user, email: str) -> bool:
    """A signed-in account whose verified address this is (no second confirmation needed)."""
    return bool(user is not None and user.is_authenticated and getattr(user, "email_verified", False) and (user.email or "").lower() == email.strip().lower())


def subscribe_email(municipality, email: str, *, topics, areas, language="ja", facts=None, consent=False, user=None) -> Subscription:
    """Create (or refresh) an email subscription and send the confirmation link (double opt-in).
    A verified account's own address needs no second confirmation.

    Anyone can type any address into the form, so an ACTIVE subscription is never changed
    from here: nothing is stored and the address gets a link to its own 受け取り設定 page
    instead. A PENDING one gets a fresh confirmation (new token, the 7-day clock restarted)."""
    email = email.strip().lower()
    owner = owns_address(user, email)
    sub = Subscription.objects.select_for_update().filter(municipality=municipality, channel=Channel.EMAIL, address=email).first()
    if sub is not None and sub.status == Subscription.Status.ACTIVE and not owner:
        _send_settings_link(sub)
        return sub
    if sub is None:
        sub = Subscription.objects.create(municipality=municipality, channel=Channel.EMAIL, address=email, language=language, user=user)
    else:
        sub.language = language
        if sub.status != Subscription.Status.ACTIVE:
            # a new request: a new confirmation link (the old one stops working) and 7 more days
            sub.status = Subscription.Status.PENDING
            sub.token = _new_token()
            sub.created_at = timezone.now()  # the confirmation clock
        sub.save()
    _apply_choices(sub, topics, areas, facts, consent)
    if owner:
        confirm(sub)
    elif sub.status == Subscription.Status.PENDING:
        notify.send_template(
            email,
            "alerts/email/confirm",
            {"token": sub.token},
            municipality=municipality,
            language=_email_language(sub),
            dedupe_key=f"alerts:confirm:{sub.pk}:{secrets.token_hex(4)}",
        )
    return sub


def _email_language(sub: Subscription) -> str | None:
    """The subscriber's language when Django has it (ja-easy is the notices' own, not i18n's)."""
    from django.conf import settings

    return sub.language if sub.language in dict(settings.LANGUAGES) else None


def _new_token() -> str:
    from .models import _token

    return _token()


def _send_settings_link(sub: Subscription) -> None:
    """Someone asked (through the public form) to change an active subscription: tell the
    address and give it the signed link to its own 受け取り設定 page. Nothing is changed."""
    notify.send_template(
        sub.address,
        "alerts/email/settings_link",
        {"key": manage_key(sub)},
        municipality=sub.municipality,
        language=_email_language(sub),
        dedupe_key=f"alerts:settings_link:{sub.pk}:{secrets.token_hex(4)}",
    )


def confirm(sub: Subscription) -> bool:
    if sub.status == Subscription.Status.ACTIVE:
        return False
    if sub.channel == Channel.EMAIL and sub.status == Subscription.Status.PENDING and timezone.now() - sub.created_at > dt.timedelta(days=7):
        raise ValidationError(_("確認の期限（7日）が過ぎています。もう一度登録してください。"))
    sub.status = Subscription.Status.ACTIVE
    sub.confirmed_at = timezone.now()
    sub.save(update_fields=["status", "confirmed_at"])
    return True


def unsubscribe(sub: Subscription) -> bool:
    if sub.status == Subscription.Status.UNSUBSCRIBED:
        return False
    sub.status = Subscription.Status.UNSUBSCRIBED
    sub.unsubscribed_at = timezone.now()
    sub.save(update_fields=["status", "unsubscribed_at"])
    # Withdrawal of the subscription withdraws the targeting consent with it.
    TargetingConsent.objects.filter(subscription=sub).delete()
    Delivery.objects.filter(subscription=sub, state=Delivery.State.PENDING).update(state=Delivery.State.SKIPPED, error="配信停止")
    return True


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def push_endpoint_allowed(endpoint: str) -> bool:
    """The server POSTs to this URL, so only the browsers' push services may be named
    (conf.push_allowed_origins(), matched by host-name suffix on a label boundary), over https
    on the default port, without user info; loopback only where the settings allow it (tests)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None or any(c in endpoint for c in " \t\r\n\\"):
        return False
    if host in LOOPBACK_HOSTS:
        return conf.push_allow_loopback() and parts.scheme in ("http", "https")
    if parts.scheme != "https" or port not in (None, 443):
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in conf.push_allowed_origins())


def subscribe_push(municipality, *, endpoint: str, p256dh: str, auth: str, topics, areas, language="ja", user=None) -> Subscription:
    """The browser already asked the person (Notification permission), so push starts at once."""
    import base64

    if not push_endpoint_allowed(endpoint):
        raise ValidationError(_("プッシュ通知の送信先（endpoint）が、ブラウザのプッシュ通知サービスの https の URL ではありません。"))
    try:
        key = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        secret = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
    except (ValueError, TypeError):
        raise ValidationError(_("ブラウザから受け取った鍵（p256dh/auth）が読み取れません。ページを再読み込みしてやり直してください。")) from None
    if len(key) != 65 or key[0] != 4 or len(secret) != 16:
        raise ValidationError(_("ブラウザから受け取った鍵（p256dh/auth）の長さが正しくありません。"))
    sub, _created = Subscription.objects.update_or_create(
        municipality=municipality,
        channel=Channel.WEBPUSH,
        address=endpoint,
        defaults=dict(
            push_p256dh=p256dh, push_auth=auth, language=language, status=Subscription.Status.ACTIVE, confirmed_at=timezone.now(), user=user, failure_reason=""
        ),
    )
    _apply_choices(sub, topics, areas)
    return sub


def start_line_link(municipality, *, topics, areas, language="ja", user=None) -> Subscription:
    """A LINE subscription waiting for its user id: the resident sends the code to the city's
    LINE account; the webhook links it."""
    for _attempt in range(5):
        code = f"{secrets.randbelow(10**6):06d}"
        if not Subscription.objects.filter(link_code=code).exists():
            break
    sub = Subscription.objects.create(municipality=municipality, channel=Channel.LINE, address="", language=language, user=user, link_code=code)
    _apply_choices(sub, topics, areas)
    return sub


def line_event(municipality, event) -> str | None:
    """Handle one webhook event; returns a reply text or None."""
    from linebot.v3.webhooks import FollowEvent, MessageEvent, TextMessageContent, UnfollowEvent

    user_id = getattr(getattr(event, "source", None), "user_id", None)
    if not user_id:
        return None
    if isinstance(event, FollowEvent):
        sub, created = Subscription.objects.get_or_create(
            municipality=municipality, channel=Channel.LINE, address=user_id, defaults={"status": Subscription.Status.ACTIVE, "confirmed_at": timezone.now()}
        )
        if not created and sub.status != Subscription.Status.ACTIVE:
            sub.status = Subscription.Status.ACTIVE
            sub.save(update_fields=["status"])
        if created or not sub.topics.exists():
            from .models import Topic

            sub.topics.set(Topic.objects.filter(municipality=municipality, slug__in=["bousai", "bouhan"]))
        return _(
            "友だち追加ありがとうございます。防災・防犯の情報をお届けします。分野や地域はホームページの登録画面で選び、表示される6桁のコードをここに送ってください。"
        )
    if isinstance(event, UnfollowEvent):
        for sub in Subscription.objects.filter(municipality=municipality, channel=Channel.LINE, address=user_id):
            unsubscribe(sub)
        return None
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        code = event.message.text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        pending = Subscription.objects.filter(municipality=municipality, channel=Channel.LINE, link_code=code, status=Subscription.Status.PENDING).first()
        if pending is None:
            return _("コードが見つかりません。登録画面に表示された6桁の数字を送ってください。") if code.isdigit() else None
        with transaction.atomic():
            # The follow event made a default subscription; the chosen one replaces it.
            for old in Subscription.objects.filter(municipality=municipality, channel=Channel.LINE, address=user_id).exclude(pk=pending.pk):
                old.address = ""
                old.save(update_fields=["address"])
                unsubscribe(old)
            pending.address = user_id
            pending.link_code = None
            pending.status = Subscription.Status.ACTIVE
            pending.confirmed_at = timezone.now()
            pending.save()
        return _("LINE での配信登録が完了しました。配信停止はメッセージ内のリンクからできます。")
    return None


MANAGE_SALT = "madoguchi.alerts.manage"


def manage_key(sub_or_token) -> str:
    """The signed part of a subscription's 「受け取り設定」 link (no login needed): the
    subscription's secret token with an HMAC, so a mistyped or forged link is refused."""
    from django.core import signing

    token = sub_or_token if isinstance(sub_or_token, str) else sub_or_token.token
    return signing.Signer(salt=MANAGE_SALT).sign(token)


def manage_path(sub: Subscription) -> str:
    """Site-relative 受け取り設定 link of a subscription (the page shown after subscribing to
    push in the browser links to it; every push message carries the absolute one)."""
    return reverse("alerts:manage", args=[manage_key(sub)])


def subscription_for_manage_key(value: str) -> Subscription | None:
    from django.core import signing

    try:
        token = signing.Signer(salt=MANAGE_SALT).unsign(value)
    except signing.BadSignature:
        return None
    return Subscription.objects.filter(token=token).exclude(status=Subscription.Status.UNSUBSCRIBED).first()


CHANGE_EMAIL_SALT = "madoguchi.alerts.change_email"
CHANGE_EMAIL_DAYS = 7


def request_email_change(sub: Subscription, new_email: str) -> None:
    """Email channel setting: move the subscription to another address. Nothing changes until
    the new address confirms (double opt-in again), through a signed link valid 7 days."""
    from django.core import signing

    new = new_email.strip().lower()
    if sub.channel != Channel.EMAIL:
        raise ValidationError(_("メールアドレスを変更できるのは、メールでの受け取りだけです。"))
    if new == sub.address:
        raise ValidationError(_("今と同じメールアドレスです。変更する場合は新しいメールアドレスを入力してください。"))
    if Subscription.objects.filter(municipality=sub.municipality, channel=Channel.EMAIL, address=new).exclude(pk=sub.pk).exists():
        raise ValidationError(_("このメールアドレスはすでに登録されています。そのアドレスに届いたメールのリンクから設定を変更してください。"))
    value = signing.dumps({"s": sub.pk, "t": sub.token, "e": new}, salt=CHANGE_EMAIL_SALT, compress=True)
    notify.send_template(
        new,
        "alerts/email/change_email",
        {"value": value, "days": CHANGE_EMAIL_DAYS},
        municipality=sub.municipality,
        language=_email_language(sub),
        dedupe_key=f"alerts:change_email:{sub.pk}:{secrets.token_hex(4)}",
    )


def email_change_for(value: str) -> tuple[Subscription, str]:
    """(subscription, new address) of a signed change link, or ValidationError in Japanese."""
    from django.core import signing

    try:
        data = signing.loads(value, salt=CHANGE_EMAIL_SALT, max_age=dt.timedelta(days=CHANGE_EMAIL_DAYS))
    except signing.SignatureExpired:
        raise ValidationError(_("確認の期限（7日）が過ぎています。受け取り設定の画面からもう一度変更してください。")) from None
    except signing.BadSignature:
        raise ValidationError(_("このリンクは無効です。メールのリンクが途中で切れていないか確認してください。")) from None
    sub = Subscription.objects.filter(pk=data.get("s"), token=data.get("t"), channel=Channel.EMAIL).first()
    if sub is None or sub.status == Subscription.Status.UNSUBSCRIBED:
        raise ValidationError(_("この登録はすでに停止されています。あらためて登録してください。"))
    return sub, data["e"]


@transaction.atomic
def confirm_email_change(value: str) -> Subscription:
    sub, new = email_change_for(value)
    sub = Subscription.objects.select_for_update().get(pk=sub.pk)
    if sub.address == new:
        return sub
    if Subscription.objects.filter(municipality=sub.municipality, channel=Channel.EMAIL, address=new).exclude(pk=sub.pk).exists():
        raise ValidationError(_("このメールアドレスはすでに登録されています。"))
    sub.address = new
    if sub.status == Subscription.Status.FAILED:  # the old address bounced; the new one is confirmed
        sub.status = Subscription.Status.ACTIVE
        sub.failure_reason = ""
    sub.save(update_fields=["address", "status", "failure_reason"])
    return sub


@transaction.atomic
def update_choices(sub: Subscription, *, topics, areas, language: str, facts=None, consent: bool = False) -> None:
    """The resident changes what they receive (受け取り設定)."""
    sub.language = language
    sub.save(update_fields=["language"])
    _apply_choices(sub, topics, areas, facts, consent)


def withdraw_consent(sub: Subscription) -> bool:
    deleted, _rows = TargetingConsent.objects.filter(subscription=sub).delete()
    return bool(deleted)


# --- notices: validation, approval, sending -------------------------------------------------


def validation_problems(notice: Notice, *, now=None) -> list[str]:
    """Everything that would stop the notice going out, as Japanese sentences naming the field."""
    now = now or timezone.now()
    problems = []
    if not notice.topic_id:
        problems.append(_("分野が選ばれていません。「分野」から1つ選んでください。"))
    if not notice.all_areas and (not notice.pk or not notice.areas.exists()):
        problems.append(_("対象地域が選ばれていません。「対象地域」から選ぶか、「市内全域」にチェックしてください。"))
    if not notice.title.strip() or not notice.body.strip():
        problems.append(_("件名と本文（日本語）を入力してください。"))
    if notice.expires_at and notice.expires_at <= now:
        problems.append(_("有効期間（終了）が過ぎています。終了日時を今より後にしてください。"))
    if notice.expires_at and notice.effective_from and notice.effective_from >= notice.expires_at:
        problems.append(_("有効期間の開始が終了より後になっています。開始と終了を確認してください。"))
    if notice.send_at and notice.expires_at and notice.send_at >= notice.expires_at:
        problems.append(_("配信予定日時が有効期間の終了より後です。配信予定日時を早めてください。"))
    if notice.kind != Notice.Kind.ALERT and not notice.references_id:
        problems.append(_("訂正・取消のお知らせには、対象となる元のお知らせが必要です。"))
    if bool(notice.title_en) != bool(notice.body_en):
        problems.append(_("英語の件名と本文は両方入力してください（英語版が不要なら両方とも空にしてください）。"))
    if bool(notice.title_easy) != bool(notice.body_easy):
        problems.append(_("やさしい日本語の件名と本文は両方入力してください（不要なら両方とも空にしてください）。"))
    for name in notice.channels or []:
        try:
            channel = channels.get(name)
        except KeyError:
            problems.append(_("配信方法「%(name)s」はありません。") % {"name": name})
            continue
        problems += channel.validate(notice)
    return problems


def previews(notice: Notice) -> list:
    out = []
    names = ["web", *[c for c in notice.channels or [] if c != "web"], "cap"]
    for name in dict.fromkeys(names):
        channel = channels.get(name)
        for lang in notice.languages() if name != "cap" else ["ja"]:
            out.append(channel.preview(notice, lang))
    return out


def may_send_alone(user, notice: Notice) -> bool:
    return is_platform_admin(user) or user.has_perm("alerts.send_alone")


def approval_severity_is_emergency(notice: Notice) -> bool:
    """The approval rule looks at the notice and, for a 訂正・取消, at the original too: cancelling
    an emergency notice is as weighty as sending it, whatever severity the draft now says."""
    if notice.is_emergency:
        return True
    ref = notice.references if notice.references_id else None
    return bool(ref is not None and notice.kind in (Notice.Kind.UPDATE, Notice.Kind.CANCEL) and ref.is_emergency)


def needs_approval(user, notice: Notice) -> bool:
    return approval_severity_is_emergency(notice) and not may_send_alone(user, notice)


def involved_in(user, notice: Notice) -> bool:
    """Wrote, last edited or asked to send this notice (so may not be its second person)."""
    if user is None or user.pk is None:
        return False
    return user.pk in {notice.created_by_id, notice.edited_by_id, notice.requested_by_id}


def may_approve(user, notice: Notice) -> bool:
    return notice.status == Notice.Status.PENDING_APPROVAL and can(user, "approve", notice) and not involved_in(user, notice)


def audit_notice(action, notice, user=None, **detail):
    audit.record(action, notice, actor=user, detail={"status": notice.status, "kind": notice.kind, **detail})


@transaction.atomic
def request_send(notice: Notice, user) -> Notice:
    """Send now / at send_at, or put an emergency notice in the approval queue."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if not can(user, "change", notice):
        raise PermissionDenied(_("このお知らせを配信する権限がありません。"))
    if notice.status not in (Notice.Status.DRAFT, Notice.Status.PENDING_APPROVAL):
        raise ValidationError(_("このお知らせは「%(status)s」のため配信できません。") % {"status": notice.get_status_display()})
    problems = validation_problems(notice)
    if problems:
        raise ValidationError(problems)
    notice.requested_by = user
    if needs_approval(user, notice):
        notice.status = Notice.Status.PENDING_APPROVAL
        notice.save(update_fields=["status", "requested_by", "updated_at"])
        audit_notice(AuditLog.Action.UPDATE, notice, user, step="approval_requested")
        return notice
    return _dispatch(notice, user)


@transaction.atomic
def approve(notice: Notice, approver) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.PENDING_APPROVAL:
        raise ValidationError(_("承認待ちのお知らせではありません。"))
    if not can(approver, "approve", notice):
        raise PermissionDenied(_("このお知らせを承認する権限（承認者）がありません。"))
    if notice.requested_by_id is None:
        raise ValidationError(_("配信の依頼が記録されていません。もう一度「配信する」から依頼してください。"))
    if involved_in(approver, notice):
        raise PermissionDenied(_("作成・編集・配信依頼をした本人は承認できません。別の承認者に依頼してください。"))
    problems = validation_problems(notice)
    if problems:
        raise ValidationError(problems)
    notice.approved_by = approver
    notice.approved_at = timezone.now()
    notice.save(update_fields=["approved_by", "approved_at", "updated_at"])
    audit_notice(AuditLog.Action.APPROVE, notice, approver)
    return _dispatch(notice, approver)


@transaction.atomic
def reject(notice: Notice, approver, reason: str) -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.PENDING_APPROVAL or not can(approver, "approve", notice):
        raise PermissionDenied(_("このお知らせを差し戻す権限がありません。"))
    notice.status = Notice.Status.DRAFT
    notice.save(update_fields=["status", "updated_at"])
    audit_notice(AuditLog.Action.UPDATE, notice, approver, step="returned", reason=reason[:300])
    return notice


def _dispatch(notice: Notice, user) -> Notice:
    now = timezone.now()
    if notice.send_at and notice.send_at > now:
        notice.status = Notice.Status.SCHEDULED
        notice.save(update_fields=["status", "requested_by", "updated_at"])
        enqueue("alerts.fan_out", dedupe_key=f"alerts:fanout:{notice.pk}", delay=(notice.send_at - now).total_seconds(), notice_id=notice.pk)
        audit_notice(AuditLog.Action.SEND, notice, user, scheduled_for=notice.send_at.isoformat())
        return notice
    notice.status = Notice.Status.SENDING
    notice.sent_at = now
    notice.save(update_fields=["status", "sent_at", "requested_by", "updated_at"])
    stop_cancelled_original(notice)
    enqueue("alerts.fan_out", dedupe_key=f"alerts:fanout:{notice.pk}", notice_id=notice.pk)
    audit_notice(AuditLog.Action.SEND, notice, user, channels=notice.channels)
    return notice


@transaction.atomic
def withdraw(notice: Notice, user) -> Notice:
    """Take back a notice not yet sent (draft, waiting for approval, scheduled)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status not in (Notice.Status.DRAFT, Notice.Status.PENDING_APPROVAL, Notice.Status.SCHEDULED):
        raise ValidationError(_("配信を始めたお知らせは取り下げられません。取消のお知らせを作成してください。"))
    notice.status = Notice.Status.WITHDRAWN
    notice.save(update_fields=["status", "updated_at"])
    audit_notice(AuditLog.Action.UPDATE, notice, user, step="withdrawn")
    return notice


def start_correction(original: Notice, user, kind: str) -> Notice:
    """A draft 訂正 (Update) or 取消 (Cancel) notice that references the original."""
    if not original.is_published:
        raise ValidationError(_("配信済みのお知らせだけ訂正・取消できます。"))
    if kind not in (Notice.Kind.UPDATE, Notice.Kind.CANCEL):
        raise ValidationError(_("種類は訂正か取消を選んでください。"))
    body = (
        original.body
        if kind == Notice.Kind.UPDATE
        else _("%(date)s にお送りした「%(title)s」は取り消します。")
        % {"date": timezone.localtime(original.sent_at).strftime("%Y-%m-%d %H:%M"), "title": original.title}
    )
    new = Notice.objects.create(
        municipality=original.municipality,
        section=original.section,
        kind=kind,
        references=original,
        topic=original.topic,
        all_areas=original.all_areas,
        severity=original.severity,  # a 取消 of an emergency notice needs the same approval
        title=original.title,
        body=body,
        channels=original.channels,
        expires_at=original.expires_at if kind == Notice.Kind.UPDATE else None,
        links=original.links,
        created_by=user,
    )
    new.areas.set(original.areas.all())
    new.shelters.set(original.shelters.all() if kind == Notice.Kind.UPDATE else [])
    audit_notice(AuditLog.Action.CREATE, new, user, references=original.pk)
    return new


def stop_cancelled_original(notice: Notice) -> int:
    """When a 取消 goes out, the original's messages not yet handed to a medium (pending,
    waiting for a retry, or claimed by a worker whose lease ran out) are skipped, so nobody
    gets the cancelled notice after its cancellation. Idempotent."""
    if notice.kind != Notice.Kind.CANCEL or not notice.references_id or notice.status not in (Notice.Status.SENDING, Notice.Status.SENT):
        return 0
    now = timezone.now()
    n = Delivery.objects.filter(Q(state=Delivery.State.PENDING) | Q(state=Delivery.State.CLAIMED, lease_until__lt=now), notice_id=notice.references_id).update(
        state=Delivery.State.SKIPPED, lease_until=None, error="取消のお知らせを配信したため送りません"
    )
    if n:
        finish_if_done(notice.references_id)
    return n


# --- fan-out and delivery -------------------------------------------------------------------


def _matching(notice: Notice, channel: str):
    """Active subscriptions on ``channel`` whose topics and areas match (a queryset)."""
    qs = Subscription.objects.filter(municipality_id=notice.municipality_id, channel=channel, status=Subscription.Status.ACTIVE).exclude(address="")
    match = Q(topics=notice.topic_id)
    if not notice.all_areas:
        area_ids = list(notice.areas.values_list("pk", flat=True))
        match &= Q(areas__isnull=True) | Q(areas__in=area_ids)
    return qs.filter(match)


def recipients(notice: Notice, channel: str):
    """Active subscriptions on ``channel`` that want this notice."""
    ids = set(_matching(notice, channel).values_list("pk", flat=True))
    if notice.references_id:
        # Corrections reach everyone who got the original, even if they changed topics since.
        ids |= set(
            Delivery.objects.filter(notice_id=notice.references_id, channel=channel, state=Delivery.State.SENT).values_list("subscription_id", flat=True)
        )
    if notice.target_facts:
        wanted = set(notice.target_facts)
        ids = {sid for sid, facts in TargetingConsent.objects.filter(subscription_id__in=ids).values_list("subscription_id", "facts") if wanted <= set(facts)}
    return sorted(ids)


def fan_out(notice_id: int) -> int:
    """Create one Delivery per recipient and channel (idempotent), then start the senders."""
    notice = Notice.objects.filter(pk=notice_id).first()
    if notice is None or notice.status == Notice.Status.WITHDRAWN:
        return 0
    if notice.status == Notice.Status.SCHEDULED:
        if notice.send_at and notice.send_at > timezone.now():
            return 0  # woke early; the sweep or the delayed task runs it on time
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SCHEDULED).update(status=Notice.Status.SENDING, sent_at=timezone.now())
        notice.refresh_from_db()
    stop_cancelled_original(notice)
    created = 0
    for name in notice.channels or []:
        if name not in channels.subscriber_channels():
            continue
        if not notice.references_id and not notice.target_facts:
            created += _fan_out_sql(notice, name)
            continue
        ids = recipients(notice, name)
        for start in range(0, len(ids), 5000):
            rows = [
                Delivery(municipality_id=notice.municipality_id, notice_id=notice.pk, subscription_id=sid, channel=name) for sid in ids[start : start + 5000]
            ]
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
            created += len(rows)
    start_senders(notice.pk, [n for n in notice.channels or [] if n in channels.subscriber_channels()])
    finish_if_done(notice.pk)
    return created


def _fan_out_insert(notice: Notice, channel: str, sub_sql: str) -> tuple[str, list]:
    """``INSERT … SELECT`` of one Delivery per ``r.sid`` of ``sub_sql``: every concrete column
    from the model's metadata, each value (but the subscription) prepared by its field from an
    unsaved Delivery as ``bulk_create`` would, so a field added to Delivery is written too.
    The municipality is the notice's (a constant of the statement, no per-row lookup)."""
    row = Delivery(municipality_id=notice.municipality_id, notice_id=notice.pk, channel=channel)
    fields = rawsql.written(Delivery)
    sub = Delivery._meta.get_field("subscription")
    values = ["r.sid" if f is sub else "%s" for f in fields]
    params = rawsql.prepared(row, [f for f in fields if f is not sub])
    sql = (
        f"INSERT INTO {rawsql.table(Delivery)} ({', '.join(rawsql.column(Delivery, f.name) for f in fields)}) "
        f"SELECT {', '.join(values)} FROM ({sub_sql}) r WHERE true ON CONFLICT DO NOTHING"  # WHERE: SQLite's upsert parse
    )
    return sql, params


def _fan_out_sql(notice: Notice, channel: str) -> int:
    """The common case (no correction, no targeting) as one INSERT … SELECT: 100,000 rows
    without a round trip through Python. ON CONFLICT keeps it idempotent like bulk_create."""
    sub_sql, sub_params = _matching(notice, channel).values(sid=F("pk")).distinct().query.sql_with_params()
    sql, params = _fan_out_insert(notice, channel, sub_sql)
    with connection.cursor() as cur:
        cur.execute(sql, [*params, *sub_params])
        return max(cur.rowcount, 0)


def start_senders(notice_id: int, names: list[str], round_: int = 0) -> None:
    """``conf.parallelism()`` delivery tasks per channel, enqueued slot by slot across the
    channels so that a few workers start on every channel rather than all on the first."""
    for slot in range(conf.parallelism()):
        for channel in names:
            enqueue(
                "alerts.deliver",
                dedupe_key=f"alerts:deliver:{notice_id}:{channel}:{slot}:{round_}",
                notice_id=notice_id,
                channel=channel,
                slot=slot,
                round=round_,
            )


def claim(notice_id: int, channel: str, worker: str, limit: int) -> list[Delivery]:
    """Take up to ``limit`` due deliveries (pending, or claimed with an expired lease)."""
    now = timezone.now()
    with transaction.atomic():
        # Two index-friendly queries without ORDER BY, so the scan stops after ``limit`` rows
        # (ordering 100,000 pending rows by id for every claim made PostgreSQL the bottleneck).
        ids: list[int] = []
        for due in (Q(state=Delivery.State.PENDING, next_attempt_at__lte=now), Q(state=Delivery.State.CLAIMED, lease_until__lt=now)):
            qs = Delivery.objects.filter(due, notice_id=notice_id, channel=channel)
            if connection.vendor == "postgresql":
                qs = qs.select_for_update(skip_locked=True)
            ids += qs.values_list("pk", flat=True)[: limit - len(ids)]
            if len(ids) >= limit:
                break
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(
            state=Delivery.State.CLAIMED, lease_until=now + dt.timedelta(seconds=conf.lease_seconds()), claimed_by=worker[:100], attempts=F("attempts") + 1
        )
    # The caller attaches its one Notice object; joining it here would build one per row.
    return list(Delivery.objects.filter(pk__in=ids, claimed_by=worker[:100]).select_related("subscription").order_by("id"))


@functools.cache
def _sent_sql(vendor: str) -> str:
    """_Marker's UPDATE of accepted messages, written out: with email's ``mark_every`` of 1 it
    runs once per message, where the ORM's ``update()`` costs more CPU to compile than the
    database spends on it (figure in docs/engineering.md, "Raw SQL sites")."""
    c = functools.partial(rawsql.column, Delivery)
    return f"UPDATE {rawsql.table(Delivery)} SET {c('state')} = %s, {c('sent_at')} = %s, {c('lease_until')} = NULL, {c('error')} = '' WHERE {c('id')} IN ({{}})"


class _Marker:
    """Writes channel results as soon as the medium has accepted or refused the messages.
    Accepted ones are collected and written with one ``UPDATE … WHERE id IN (…)`` per
    ``every`` messages (and at the end of each chunk); with ``every=1`` each message is marked
    before the next one is sent. Refusals are rare and written one by one."""

    def __init__(self, by_id: dict[int, Delivery], every: int = 1):
        self.by_id = by_id
        self.every = max(1, every)
        self.sent: list[int] = []
        self.counts = {"sent": 0, "retry": 0, "failed": 0}

    def __call__(self, result) -> None:
        d = self.by_id[result.delivery_id]
        now = timezone.now()
        if result.outcome == Outcome.SENT:
            self.counts["sent"] += 1
            self.sent.append(d.pk)
            if len(self.sent) >= self.every:
                self.flush()
            return
        if result.outcome == Outcome.PERMANENT:
            # only an address-specific refusal marks the subscription (see Outcome)
            self.counts["failed"] += 1
            Delivery.objects.filter(pk=d.pk).update(state=Delivery.State.FAILED, error=result.error[:500], lease_until=None)
            Subscription.objects.filter(pk=d.subscription_id).update(status=Subscription.Status.FAILED, failure_reason=result.error[:300])
        elif result.outcome == Outcome.FAILED or d.attempts >= conf.max_attempts():
            self.counts["failed"] += 1
            Delivery.objects.filter(pk=d.pk).update(state=Delivery.State.FAILED, error=result.error[:500], lease_until=None)
        else:
            self.counts["retry"] += 1
            backoff = min(30 * 2 ** (d.attempts - 1), 3600)
            Delivery.objects.filter(pk=d.pk).update(
                state=Delivery.State.PENDING, error=result.error[:500], lease_until=None, next_attempt_at=now + dt.timedelta(seconds=backoff)
            )

    def flush(self) -> None:
        """Write the accepted-but-unmarked messages (autocommit: one statement, one commit)."""
        if not self.sent:
            return
        ids, self.sent = self.sent, []
        with connection.cursor() as cur:
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cur.execute(_sent_sql(connection.vendor).format(", ".join(["%s"] * len(ids))), [Delivery.State.SENT.value, now, *ids])


def acquire_rate(channel: str, n: int) -> None:
    """Cluster-wide fixed-window rate limit of a channel's provider (core.ratelimit, per city)."""
    from madoguchi.core import ratelimit

    limit = conf.rate_limit(channel)
    if limit:
        ratelimit.acquire("alerts-channel", channel, n, limit=limit)


def deliver(notice_id: int, channel: str, slot: int = 0, round: int = 0) -> dict:
    """Claim → send → mark, batch after batch, for ``conf.task_budget_seconds()``; then hand over
    to the next round (now, or when the earliest retry/lease falls due)."""
    notice = Notice.objects.select_related("municipality", "section", "topic").filter(pk=notice_id).first()
    totals = {"sent": 0, "retry": 0, "failed": 0}
    if notice is None:
        return totals
    sender = channels.get(channel)
    worker = f"{_worker_id()}:{slot}"
    started = time.monotonic()
    while time.monotonic() - started < conf.task_budget_seconds():
        batch = claim(notice_id, channel, worker, conf.batch_size())
        if not batch:
            break
        live = [d for d in batch if d.subscription.status == Subscription.Status.ACTIVE]
        dead = [d.pk for d in batch if d.subscription.status != Subscription.Status.ACTIVE]
        if dead:
            Delivery.objects.filter(pk__in=dead).update(state=Delivery.State.SKIPPED, lease_until=None, error="配信停止または配信不能")
        for d in live:
            d.notice = notice  # one notice object: its areas/shelters are read once per batch
        marker = _Marker({d.pk: d for d in live}, every=sender.mark_every)
        step = max(1, min(len(live), conf.rate_limit(channel) or len(live)))
        for i in range(0, len(live), step):
            chunk = live[i : i + step]
            acquire_rate(channel, len(chunk))
            try:
                sender.send_batch(notice, chunk, marker)
            finally:
                marker.flush()
        for k, v in marker.counts.items():
            totals[k] += v
    _schedule_next(notice_id, channel, slot, round)
    finish_if_done(notice_id)
    return totals


def _schedule_next(notice_id: int, channel: str, slot: int, round_: int) -> None:
    open_ = Delivery.objects.filter(notice_id=notice_id, channel=channel, state__in=[Delivery.State.PENDING, Delivery.State.CLAIMED])
    agg = open_.aggregate(
        n=Count("id"), retry=Min("next_attempt_at", filter=Q(state=Delivery.State.PENDING)), lease=Min("lease_until", filter=Q(state=Delivery.State.CLAIMED))
    )
    if not agg["n"]:
        return
    due = min([t for t in (agg["retry"], agg["lease"]) if t is not None], default=timezone.now())
    delay = max(0.0, (due - timezone.now()).total_seconds() + 0.5)
    enqueue(
        "alerts.deliver",
        dedupe_key=f"alerts:deliver:{notice_id}:{channel}:{slot}:{round_ + 1}",
        delay=delay,
        notice_id=notice_id,
        channel=channel,
        slot=slot,
        round=round_ + 1,
    )


def finish_if_done(notice_id: int) -> bool:
    if Delivery.objects.filter(notice_id=notice_id, state__in=[Delivery.State.PENDING, Delivery.State.CLAIMED]).exists():
        return False
    return bool(Notice.objects.filter(pk=notice_id, status=Notice.Status.SENDING).update(status=Notice.Status.SENT))


def sweep() -> None:
    """Safety net run periodically: start due scheduled notices, restart stalled senders."""
    now = timezone.now()
    for pk in Notice.objects.filter(status=Notice.Status.SCHEDULED, send_at__lte=now).values_list("pk", flat=True):
        enqueue("alerts.fan_out", dedupe_key=f"alerts:fanout:{pk}:sweep:{int(now.timestamp()) // 60}", notice_id=pk)
    stalled = (
        Delivery.objects.filter(Q(state=Delivery.State.PENDING, next_attempt_at__lte=now) | Q(state=Delivery.State.CLAIMED, lease_until__lt=now))
        .values_list("notice_id", "channel")
        .distinct()
    )
    for notice_id, channel in stalled:
        enqueue(
            "alerts.deliver",
            dedupe_key=f"alerts:deliver:{notice_id}:{channel}:sweep:{int(now.timestamp()) // 60}",
            notice_id=notice_id,
            channel=channel,
            slot=99,
            round=0,
        )


def report(notice: Notice) -> dict:
    """{channel: {"sent": n, "failed": n, "pending": n, "skipped": n}}"""
    out: dict[str, dict[str, int]] = {}
    for row in Delivery.objects.filter(notice=notice).values("channel", "state").annotate(n=Count("id")):
        bucket = out.setdefault(row["channel"], {"sent": 0, "failed": 0, "pending": 0, "skipped": 0})
        key = {"claimed": "pending"}.get(row["state"], row["state"])
        bucket[key] = bucket.get(key, 0) + row["n"]
    return out


# --- CAP import -----------------------------------------------------------------------------


def import_cap(municipality, data: bytes, *, section, source: str, user=None) -> Notice:
    """Turn a CAP 1.2 message into a draft notice (never sent without a person)."""
    from .channels.cap import CapImportError, parse
    from .models import Area, Severity, Topic

    alert = parse(data)
    if alert.status != "Actual":
        # Exercise / System / Test / Draft messages are not real alerts: never a notice that
        # could go out to residents as one.
        raise CapImportError(
            _("CAP の status が「%(status)s」のため取り込みませんでした。取り込むのは実際の情報（Actual）だけです。") % {"status": alert.status or "—"}
        )
    existing = Notice.objects.filter(municipality=municipality, source_identifier=f"{alert.sender}|{alert.identifier}").first()
    if existing:
        return existing
    topic = Topic.objects.filter(municipality=municipality, cap_category=alert.category, is_active=True).order_by("order").first()
    ref = None
    if alert.references:
        ref = Notice.objects.filter(municipality=municipality, source_identifier__endswith="|" + alert.references[-1]).first()
    kind = alert.msg_type if alert.msg_type in ("Update", "Cancel") and ref else Notice.Kind.ALERT
    warning = ""
    if alert.msg_type in ("Update", "Cancel") and ref is None:
        warning = _(
            "取込元では%(kind)s（CAP msgType: %(type)s）ですが、参照先の元のお知らせ（%(refs)s）がこのシステムにありません。"
            "通常のお知らせとして配信してよいか、元のお知らせと内容を確認してください。"
        ) % {"kind": Notice.Kind(alert.msg_type).label, "type": alert.msg_type, "refs": " ".join(alert.references) or "—"}
    # Imported text is never refused for a マイナンバー: masked, and the draft says so (core.validation).
    texts = {"title": alert.title or _("（件名なし）"), "body": alert.body or alert.title}
    texts["title_en"], texts["body_en"] = alert.texts.get("en", ("", ""))
    masked_any = False
    for key, value in texts.items():
        texts[key], masked = validation.mask_my_numbers(value)
        masked_any |= masked
    if masked_any:
        warning = (warning + " " if warning else "") + _(
            "取込元の文にマイナンバー（個人番号）と思われる番号があったため、「[個人番号]」に置き換えて取り込みました。"
        )
    notice = Notice.objects.create(
        municipality=municipality,
        section=section,
        kind=kind,
        references=ref,
        topic=topic,
        severity=alert.severity if alert.severity in Severity.values else Severity.UNKNOWN,
        title=texts["title"][:120],
        body=texts["body"],
        title_en=texts["title_en"][:200],
        body_en=texts["body_en"],
        effective_from=alert.effective,
        expires_at=alert.expires,
        channels=["email", "webpush", "line"],
        source=source[:300],
        source_identifier=f"{alert.sender}|{alert.identifier}"[:300],
        import_warning=warning[:500],
        created_by=user,
    )
    names = set(alert.area_names)
    matched = list(Area.objects.filter(municipality=municipality, name__in=names))
    notice.areas.set(matched)
    if municipality.name in names or not names:
        notice.all_areas = True
        notice.save(update_fields=["all_areas"])
    audit_notice(AuditLog.Action.CREATE, notice, user, imported_from=source[:300], **({"import_warning": warning[:300]} if warning else {}))
    return notice


def import_cap_feed(municipality, url: str, section) -> list[Notice]:
    """Fetch an upstream feed: a single CAP alert, or an Atom feed whose entries link to CAP."""
    import httpx
    from lxml import etree

    from .channels.cap import NS, CapImportError, _parser

    resp = httpx.get(url, timeout=20, follow_redirects=True)
    resp.raise_for_status()
    doc = etree.fromstring(resp.content, parser=_parser())
    if doc.tag == f"{{{NS}}}alert":
        try:
            with transaction.atomic():
                return [import_cap(municipality, resp.content, section=section, source=url)]
        except CapImportError as exc:
            log.warning("CAP import of %s skipped: %s", url, exc)
            return []
    out = []
    atom = "{http://www.w3.org/2005/Atom}"
    for entry in doc.iter(f"{atom}entry"):
        links = [link.get("href") for link in entry.iter(f"{atom}link") if link.get("href")]
        for href in links[:1]:
            try:
                data = httpx.get(href, timeout=20, follow_redirects=True).content
                with transaction.atomic():
                    out.append(import_cap(municipality, data, section=section, source=href))
            except (CapImportError, httpx.HTTPError) as exc:
                log.warning("CAP import of %s failed: %s", href, exc)
    return out
