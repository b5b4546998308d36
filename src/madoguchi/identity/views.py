"""Resident-facing pages of the identity app: the consent page before a sign-in, the
provider's callback, and the account's linked identities. Thin: rules live in services.py."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from madoguchi.core import audit
from madoguchi.core.links import same_site_url
from madoguchi.core.models import AuditLog

from . import services, session, signature_views
from .forms import LinkForm
from .models import IdentityLink
from .oidc import IdentityError

log = logging.getLogger(__name__)


def _plugin(key: str):
    plugin = services.provider(key)
    if plugin is None:
        raise Http404
    return plugin


@never_cache
def verify(request, provider):
    """同意画面: what will be read from the card (or gBizID) and why, before the resident is sent
    to the provider. POST starts the flow."""
    plugin = _plugin(provider)
    next_url = same_site_url(request, request.POST.get("next") or request.GET.get("next") or "") or "/"
    if request.method == "POST":
        try:
            return redirect(services.begin(request, plugin, next_url))
        except IdentityError as exc:
            log.warning("identity sign-in could not start: provider=%s reason=%s", plugin.key, exc.code)
            return render(request, "identity/failed.html", {"message": exc.message, "next": next_url}, status=502)
    return render(request, "identity/verify.html", {"plugin": plugin, "next": next_url})


@never_cache
def callback(request, provider):
    """The provider sends the resident back here with a code (or an error)."""
    plugin = _plugin(provider)
    try:
        flow = services.take_flow(request, plugin, request.GET)
        if flow.get("sign"):
            return signature_views.signed(request, plugin, flow)
        identity, next_url = services.complete(request, plugin, request.GET, flow)
    except IdentityError as exc:
        # The reason code only: never a claim value (the 基本4情報 are not logged).
        log.warning("identity sign-in refused: provider=%s reason=%s", plugin.key, exc.code)
        return render(request, "identity/failed.html", {"message": exc.message, "next": "/"}, status=400)
    existing = services.link_for(identity)
    user = request.user
    if existing is not None and user.is_authenticated and existing.user_id != user.pk:
        messages.error(request, "この本人確認は、別の利用者アカウントに連携されています。そのアカウントでログインしてください。")
        return redirect(next_url)
    if existing is not None and not user.is_authenticated and not existing.user.is_staff and existing.user.is_active:
        # A linked card signs its resident in (the card is a stronger proof than the password).
        auth_login(request, existing.user, backend=settings.AUTHENTICATION_BACKENDS[0])
        audit.record(AuditLog.Action.LOGIN, existing.user, request=request, actor=existing.user, detail={"factor": plugin.key})
    session.store(request, identity)
    messages.success(request, f"{plugin.label}による本人確認が完了しました。")
    return redirect(next_url)


@login_required
@never_cache
def linked(request):
    """連携した本人確認: the account's linked identities, and linking the one just verified."""
    links = IdentityLink.objects.filter(user=request.user)
    pending = session.current(request)
    if pending is not None and any(link.provider == pending.provider and link.subject == pending.subject for link in links):
        pending = None
    return render(
        request,
        "identity/linked.html",
        {"links": links, "pending": pending, "pending_plugin": services.provider(pending.provider) if pending else None, "form": LinkForm(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def link(request):
    """Linking requires the account's password (a stolen open session cannot link a card).
    A GET (a reload, a bookmark) goes back to the list, where the form is."""
    if request.method == "GET":
        return redirect("identity:linked")
    pending = session.current(request)
    form = LinkForm(request.user, request.POST)
    if pending is None:
        messages.error(request, "先に本人確認をしてください。")
        return redirect("identity:linked")
    if form.is_valid():
        try:
            services.link(request.user, pending, request=request)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "本人確認をアカウントに連携しました。")
            return redirect("identity:linked")
    links = IdentityLink.objects.filter(user=request.user)
    return render(
        request, "identity/linked.html", {"links": links, "pending": pending, "pending_plugin": services.provider(pending.provider), "form": form}, status=400
    )


@login_required
@require_POST
def unlink(request, pk):
    if not services.unlink(request.user, pk, request=request):
        raise Http404
    messages.success(request, "連携を解除しました。")
    return redirect("identity:linked")
