"""The one rate-limit mechanism (流量制限), counted in the shared Django cache so that every app
process sees the same counters (database cache or Redis, never process memory). Keys are per
city (共同運営: one city's rush or one city's attacker never uses up another city's allowance).

- Failure lockouts (login, second factor): the first failure opens a window of ``window``
  seconds; reaching ``limit`` failures inside it blocks the key until the window ends
  (``blocked``/``hit``/``reset``). Keys hold hashes, never an email.
- Throughput (``take``/``acquire``): at most ``limit`` units per second per key — the alert
  channels' provider limits and the per-city request limit of ``core.tenancy``."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _


def _key(scope: str, ident: str) -> str:
    from . import tenancy

    digest = hashlib.sha256(f"{scope}:{ident.strip().lower()}".encode()).hexdigest()[:32]
    return f"madoguchi:rl:{tenancy.current_id() or 0}:{scope}:{digest}"


@dataclass
class Block:
    retry_at: dt.datetime

    @property
    def minutes(self) -> int:
        return max(1, int((self.retry_at - timezone.now()).total_seconds() + 59) // 60)

    def message(self, what: str) -> str:
        return self.worded(_("%(what)sの失敗が続いたため、一時的に受け付けを停止しています。%(time)s以降（約%(minutes)s分後）にもう一度お試しください。"), what)

    def worded(self, template: str, what: str) -> str:
        """``template`` (translated, with %(what)s, %(time)s and %(minutes)s) filled for this block."""
        local = timezone.localtime(self.retry_at)
        return template % {"what": what, "time": f"{local:%H時%M分}", "minutes": self.minutes}


def blocked(scope: str, ident: str, limit: int) -> Block | None:
    """The block on ``ident`` if it has used up its failures, else None."""
    if not ident:
        return None
    key = _key(scope, ident)
    values = cache.get_many([key, key + ":t"])
    count = values.get(key) or 0
    started = values.get(key + ":t")
    if count >= limit and started:
        return Block(dt.datetime.fromtimestamp(started[1], tz=dt.UTC))
    return None


def hit(scope: str, ident: str, window: int) -> int:
    """Count one failure; returns the count in the current window."""
    if not ident:
        return 0
    key = _key(scope, ident)
    now = time.time()
    # add() only writes when absent, so concurrent first failures keep one window start.
    cache.add(key + ":t", (now, now + window), timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def reset(scope: str, ident: str) -> None:
    key = _key(scope, ident)
    cache.delete_many([key, key + ":t"])


def take(scope: str, ident: str, n: int = 1, *, limit: int) -> bool:
    """Use ``n`` units of this second's ``limit`` for ``scope``/``ident`` (in the active city);
    False when the second's allowance is used up (the caller refuses or waits)."""
    second = int(time.time())
    key = f"{_key(scope, ident)}:{second}"
    cache.add(key, 0, timeout=5)
    try:
        used = cache.incr(key, n)
    except ValueError:  # expired between add and incr
        cache.set(key, n, timeout=5)
        used = n
    return used <= limit or used - n == 0  # a batch bigger than the limit still proceeds alone


def acquire(scope: str, ident: str, n: int = 1, *, limit: int) -> None:
    """Wait until ``n`` units fit in a second's ``limit`` (background senders)."""
    while not take(scope, ident, n, limit=limit):
        time.sleep(max(0.01, int(time.time()) + 1 - time.time()))


# --- request limits: every anonymous write, every mail-sending endpoint ------------------------
# A counter per key that counts every attempt (not only failures): ``limit`` attempts per window
# of ``window`` seconds, then 429 with Retry-After until the window ends. Same cache, same keys
# per city as the failure lockouts above.
def attempt(scope: str, ident: str, *, limit: int, window: int) -> Block | None:
    """Count one attempt; the block when ``ident`` has already used its ``limit`` attempts in
    the current window (the refused attempt is not counted), else None."""
    block = blocked(scope, ident, limit)
    if block is None:
        hit(scope, ident, window)
    return block


def _setting(name: str, default: int) -> int:
    from django.conf import settings

    return int(getattr(settings, name, None) or default)


def anonymous_write_limit() -> tuple[int, int]:
    """(attempts, seconds) per address and endpoint for a visitor who is not signed in."""
    return _setting("ANON_WRITE_RATE_LIMIT", 60), _setting("ANON_WRITE_RATE_WINDOW", 600)


def mail_limits() -> tuple[int, int, int]:
    """(mails per recipient, mails per sending address, seconds) for endpoints that send mail."""
    return _setting("MAIL_RATE_LIMIT", 5), _setting("MAIL_IP_RATE_LIMIT", 30), _setting("MAIL_RATE_WINDOW", 3600)


def retry_after(block: Block) -> int:
    return max(1, int((block.retry_at - timezone.now()).total_seconds() + 0.999))


def too_many_requests(request, block: Block, message: str):
    """429 with ``Retry-After`` and a Japanese message: JSON for the API, a page otherwise."""
    from django.shortcuts import render

    from .errors import api_detail

    if request.path.startswith("/api/"):
        response = api_detail(message, 429)
    else:
        response = render(request, "core/rate_limited.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after(block))
    return response


def request_message(block: Block, what: str) -> str:
    return block.worded(
        _("%(what)sが短い時間に続いたため、一時的に受け付けを停止しています。%(time)s以降（約%(minutes)s分後）にもう一度お試しください。"), what
    )


def exempt(reason: str):
    """Mark a view as outside the anonymous-write limit, saying why (it has its own limiter, or
    its caller is a server authenticated otherwise). ``tests`` list every exempt view."""

    def mark(view):
        view.ratelimit_exempt = reason
        return view

    return mark


def _redirected(response) -> bool:
    return 300 <= response.status_code < 400


def limit_mail(field: str, *, when=None, sent=_redirected):
    """Decorator for a view that sends mail to the address in POST ``field``: at most
    ``MAIL_RATE_LIMIT`` mails per recipient and ``MAIL_IP_RATE_LIMIT`` per client address per
    ``MAIL_RATE_WINDOW`` — counted whether or not the address is known (no account oracle).
    ``when(request)`` narrows it to the POSTs that send (e.g. one action of a form); a request
    counts when ``sent(response)`` says the mail went (by default the redirect that follows a
    valid form, so a person correcting form errors is not locked out of their own address)."""
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            email = (request.POST.get(field) or "").strip() if request.method == "POST" else ""  # _key lowercases
            if not email or (when is not None and not when(request)):
                return view(request, *args, **kwargs)
            from . import audit

            per_mail, per_ip, window = mail_limits()
            keys = [("mail-ip", audit.client_ip(request) or "", per_ip), ("mail-to", email, per_mail)]
            for scope, ident, limit in keys:
                block = blocked(scope, ident, limit)
                if block:
                    return too_many_requests(request, block, request_message(block, _("メールの送信")))
            response = view(request, *args, **kwargs)
            if sent(response):
                for scope, ident, _limit in keys:
                    hit(scope, ident, window)
            return response

        return wrapper

    return decorate


class AnonymousWriteLimitMiddleware:
    """Every POST/PUT/PATCH/DELETE from a visitor who is not signed in counts against a limit per
    client address and endpoint (URL pattern), so a new anonymous endpoint is limited without
    doing anything; a view opts out only through ``exempt(reason)``."""

    SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in self.SAFE or getattr(view_func, "ratelimit_exempt", None):
            return None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        from . import audit

        match = request.resolver_match
        route = match.route if match is not None else request.path
        limit, window = anonymous_write_limit()
        block = attempt("anon-write", f"{route}|{audit.client_ip(request) or ''}", limit=limit, window=window)
        if block:
            return too_many_requests(request, block, request_message(block, _("送信")))
        return None
