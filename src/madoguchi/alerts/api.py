"""Alerts API: public notices, Web Push (un)subscription from the browser, delivery report."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError

from madoguchi.core.api_auth import is_staff_verified
from madoguchi.core.cachecontrol import no_personal_data
from madoguchi.core.models import Municipality
from madoguchi.core.permissions import can

from . import services
from .channels.webpush import public_key
from .models import Area, Notice, Subscription, Topic

router = Router(tags=["alerts"])
PUBLISHED = [Notice.Status.SENDING, Notice.Status.SENT]


class NoticeOut(Schema):
    id: int
    identifier: str
    kind: str
    title: str
    body: str
    topic: str | None
    severity: str
    areas: list[str]
    sent_at: str | None
    expires_at: str | None
    url: str


def _out(n: Notice) -> dict:
    from .channels.render import notice_url

    return {
        "id": n.pk,
        "identifier": str(n.identifier),
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "topic": n.topic.slug if n.topic_id else None,
        "severity": n.severity,
        "areas": [a.name for a in n.areas.all()],
        "sent_at": n.sent_at.isoformat() if n.sent_at else None,
        "expires_at": n.expires_at.isoformat() if n.expires_at else None,
        "url": notice_url(n),
    }


@router.get("/notices", response=list[NoticeOut], auth=None)
@decorate_view(no_personal_data)
def list_notices(request, topic: str = "", limit: int = 50):
    qs = Notice.objects.filter(status__in=PUBLISHED).select_related("topic").prefetch_related("areas").order_by("-sent_at")
    if topic:
        qs = qs.filter(topic__slug=topic)
    return [_out(n) for n in qs[: max(1, min(limit, 200))]]


@router.get("/notices/{notice_id}", response=NoticeOut, auth=None)
@decorate_view(no_personal_data)
def get_notice(request, notice_id: int):
    return _out(get_object_or_404(Notice, pk=notice_id, status__in=PUBLISHED))


class PushKeys(Schema):
    p256dh: str
    auth: str


class PushSubscriptionIn(Schema):
    endpoint: str
    keys: PushKeys
    topics: list[str]
    areas: list[int] = []
    language: str = "ja"


@router.get("/push/key", auth=None)
@decorate_view(no_personal_data)
def push_key(request):
    return {"publicKey": public_key()}


def _same_keys(sub: Subscription, p256dh: str, auth: str) -> bool:
    import hmac

    return hmac.compare_digest(sub.push_p256dh.encode(), p256dh.encode()) and hmac.compare_digest(sub.push_auth.encode(), auth.encode())


@router.post("/push/subscribe", auth=None)
def push_subscribe(request, data: PushSubscriptionIn):
    municipality = Municipality.current()
    from django.db.models import Q

    ids = [int(t) for t in data.topics if t.isascii() and t.isdigit()]  # "³".isdigit() is True, int("³") fails
    topics = list(Topic.objects.filter(Q(slug__in=data.topics) | Q(pk__in=ids), municipality=municipality, is_active=True))
    if not topics:
        raise HttpError(422, "分野を1つ以上選んでください。")
    if data.language not in ("ja", "ja-easy", "en"):
        raise HttpError(422, "言語は ja, ja-easy, en のいずれかを指定してください。")
    areas = list(Area.objects.filter(municipality=municipality, pk__in=data.areas))
    known = Subscription.objects.filter(channel="webpush", address=data.endpoint).first()
    if known is not None and not _same_keys(known, data.keys.p256dh, data.keys.auth):
        # Someone who knows only the endpoint (it is not secret from the push service) is not the
        # browser: that holds the keys. Change nothing and give no links (the existing
        # subscription's token would let them manage it).
        return {"status": known.status, "unsubscribe": None, "manage": None}
    try:
        with transaction.atomic():
            sub = services.subscribe_push(
                municipality,
                endpoint=data.endpoint,
                p256dh=data.keys.p256dh,
                auth=data.keys.auth,
                topics=topics,
                areas=areas,
                language=data.language,
                user=request.user if request.user.is_authenticated else None,
            )
    except ValidationError as exc:
        raise HttpError(422, exc.messages[0]) from None
    # the signed 受け取り設定 link: the page shows it so the resident can change or stop this push
    return {"status": sub.status, "unsubscribe": f"/alerts/unsubscribe/{sub.token}/", "manage": services.manage_path(sub)}


class PushEndpointIn(Schema):
    endpoint: str


@router.post("/push/unsubscribe", auth=None)
def push_unsubscribe(request, data: PushEndpointIn):
    # Knowing the endpoint (a capability URL held by the browser) is enough to stop it.
    for sub in Subscription.objects.filter(channel="webpush", address=data.endpoint):
        services.unsubscribe(sub)
    return {"status": "unsubscribed"}


@router.get("/notices/{notice_id}/report")
def delivery_report(request, notice_id: int):
    notice = Notice.objects.filter(pk=notice_id).first()
    # One answer for "no such notice" and "not yours": a different one would tell which ids exist.
    if notice is None or not is_staff_verified(request.user) or not can(request.user, "view", notice):
        raise HttpError(404, "お知らせが見つからないか、配信結果を見る権限がありません。お知らせの番号と、ログインしているアカウントを確かめてください。")
    return {"notice": notice.pk, "status": notice.status, "channels": services.report(notice)}


__all__ = ["router", "PermissionDenied"]
