"""Domain rules of the identity app: the sign-in flow's bookkeeping and account linking."""

from __future__ import annotations

import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from madoguchi.core import audit
from madoguchi.core.models import AuditLog
from madoguchi.core.registry import identity_providers

from .models import IdentityLink
from .oidc import IdentityError, VerifiedIdentity

log = logging.getLogger(__name__)

FLOWS = "identity_flows"
MAX_FLOWS = 5  # sign-ins started in other tabs stay valid, a few at most


def provider(key: str, municipality=None):
    """The provider plugin when this city may use it, else None."""
    plugin = identity_providers.get(key)
    if plugin is None or not plugin.configured(municipality):
        return None
    return plugin


def providers_for(assurance: str, municipality=None) -> list:
    return [p for p in identity_providers.values() if p.assurance == assurance and p.configured(municipality)]


def remember_flow(request, state: str, flow: dict) -> None:
    """Keep a started flow's secrets in the session under its state (a few at most)."""
    flows = dict(request.session.get(FLOWS) or {})
    while len(flows) >= MAX_FLOWS:
        flows.pop(next(iter(flows)))
    flows[state] = flow
    request.session[FLOWS] = flows


def begin(request, plugin, next_url: str) -> str:
    """Start the authorization-code flow: fresh state, nonce and PKCE verifier kept in the
    session (per state, so two tabs do not clash); returns the provider's authorization URL."""
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    redirect_uri = plugin.redirect_uri(request)
    url = plugin.authorization_url(request, redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier)
    remember_flow(request, state, {"provider": plugin.key, "nonce": nonce, "verifier": verifier, "next": next_url, "redirect_uri": redirect_uri})
    return url


def take_flow(request, plugin, params) -> dict:
    """The flow the callback's state names, once: it must be one this session started for this
    provider."""
    flows = dict(request.session.get(FLOWS) or {})
    flow = flows.pop(params.get("state") or "", None)
    request.session[FLOWS] = flows
    if flow is None or flow["provider"] != plugin.key:
        raise IdentityError("bad_state", "本人確認の途中で画面が切り替わったため、完了できませんでした。もう一度お試しください。")
    return flow


def complete(request, plugin, params, flow: dict | None = None) -> tuple[VerifiedIdentity, str]:
    """Finish the sign-in flow from the callback's query: the state must be one this session
    started (for this provider), then the code is exchanged and the ID token verified."""
    flow = flow or take_flow(request, plugin, params)
    if params.get("error"):
        message = "本人確認が取り消されました。" if params.get("error") == "access_denied" else "本人確認を完了できませんでした。もう一度お試しください。"
        raise IdentityError("provider_error", message)
    if not params.get("code"):
        raise IdentityError("no_code")
    claims = plugin.exchange_code(request, code=params["code"], redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"], nonce=flow["nonce"])
    return plugin.identity(claims), flow["next"]


def link_for(identity: VerifiedIdentity) -> IdentityLink | None:
    return IdentityLink.objects.filter(provider=identity.provider, subject=identity.subject).select_related("user").first()


def link(user, identity: VerifiedIdentity, *, request=None) -> IdentityLink:
    """Link the verified identity to ``user`` (the caller has checked the password). One
    identity per account and provider, one account per identity (unique constraints)."""
    existing = link_for(identity)
    if existing is not None:
        if existing.user_id == user.pk:
            return existing
        raise ValidationError("この本人確認は、すでに別の利用者アカウントに連携されています。", code="taken")
    if IdentityLink.objects.filter(user=user, provider=identity.provider).exists():
        raise ValidationError("このアカウントには、すでに同じ方法の本人確認が連携されています。先に連携を解除してください。", code="exists")
    try:
        with transaction.atomic():
            row = IdentityLink.objects.create(user=user, provider=identity.provider, subject=identity.subject)
    except IntegrityError:  # a concurrent link won the race
        raise ValidationError("この本人確認は、すでに別の利用者アカウントに連携されています。", code="taken")
    audit.record(AuditLog.Action.CREATE, row, request=request, actor=user, detail={"identity_link": identity.provider})
    return row


def unlink(user, link_id: int, *, request=None) -> bool:
    row = IdentityLink.objects.filter(user=user, pk=link_id).first()
    if row is None:
        return False
    audit.record(AuditLog.Action.DELETE, row, request=request, actor=user, detail={"identity_link": row.provider})
    row.delete()
    return True
