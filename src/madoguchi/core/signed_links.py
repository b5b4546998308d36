"""Signed links (署名付きリンク): a URL that opens one record for someone without an account (a
guest's case, a guest's payment). The token is the record's key signed with Django's ``signing``
under a salt of its own, with its time of issue: nothing personal in the URL, nothing stored.

Expiry is decided by the caller from the time of issue (``Opened.expires_at``), not by
``signing``'s ``max_age``, so that an expired link still names its record and the page can offer
to mail a fresh one. Following a link lets this browser's session keep the record open until the
link would have expired (``remember``/``granted``): the pages after it (a checkout, a result) need
no token in their URL. Used by ``applications.case_links`` and ``payments.paylinks``."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core import signing


@dataclass(frozen=True)
class Opened:
    """What a token says: its value (None if forged or broken) and when it stops working."""

    value: object = None
    expires_at: float = 0.0

    @property
    def expired(self) -> bool:
        return self.value is not None and self.expires_at <= time.time()


@dataclass(frozen=True)
class SignedLink:
    salt: str
    session_key: str  # where a session keeps {key: the epoch second its link stops working}
    max_remembered: int = 20

    def make(self, value, *, compress: bool = False) -> str:
        return signing.dumps(value, salt=self.salt, compress=compress)

    def open(self, token: str, days: float) -> Opened:
        try:
            value = signing.loads(token, salt=self.salt)
        except signing.BadSignature:
            return Opened()
        signed_at = signing.b62_decode(token.rsplit(":", 2)[1])
        return Opened(value, signed_at + days * 86400)

    def remember(self, session, key, expires_at: float) -> None:
        """This browser may open ``key`` until ``expires_at`` (older entries dropped, at most
        ``max_remembered`` kept)."""
        stored = session.get(self.session_key)
        links = {k: v for k, v in stored.items() if v > time.time()} if isinstance(stored, dict) else {}
        links[str(key)] = max(expires_at, links.get(str(key), 0))
        session[self.session_key] = dict(sorted(links.items(), key=lambda kv: kv[1])[-self.max_remembered :])

    def granted(self, session, key) -> bool:
        stored = session.get(self.session_key)
        return isinstance(stored, dict) and stored.get(str(key), 0) > time.time()
