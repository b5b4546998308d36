"""Rate limits on login and second-factor attempts, counted in the shared Django cache so that
every app process sees the same counters (database cache or Redis, never process memory).

Fixed windows: the first failure opens a window of ``window`` seconds; reaching ``limit``
failures inside it blocks the key until the window ends. Keys hold hashes, never an email."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _


def _key(scope: str, ident: str) -> str:
    digest = hashlib.sha256(f"{scope}:{ident.strip().lower()}".encode()).hexdigest()[:32]
    return f"madoguchi:rl:{scope}:{digest}"


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
