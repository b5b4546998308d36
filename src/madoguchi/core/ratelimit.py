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
        local = timezone.localtime(self.retry_at)
        return _("%(what)sの失敗が続いたため、一時的に受け付けを停止しています。%(time)s以降（約%(minutes)s分後）にもう一度お試しください。") % {
            "what": what,
            "time": f"{local:%H時%M分}",
            "minutes": self.minutes,
        }


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
