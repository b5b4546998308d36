"""The verified identity a resident holds in this browser session, between the provider's
callback and the application that uses it (then it moves to the submission: ``take``)."""

from __future__ import annotations

import time

from . import conf
from .oidc import VerifiedIdentity

KEY = "identity_verified"


def store(request, identity: VerifiedIdentity) -> None:
    request.session[KEY] = {**identity.as_session(), "verified_at": time.time()}


def current(request, assurance: str | None = None) -> VerifiedIdentity | None:
    """The fresh verified identity of this session (of the given assurance), or None."""
    identity = VerifiedIdentity.from_session(request.session.get(KEY))
    if identity is None or time.time() - identity.verified_at > conf.verified_max_age():
        return None
    if assurance and identity.assurance != assurance:
        return None
    return identity


def take(request, assurance: str | None = None) -> VerifiedIdentity | None:
    """The verified identity, removed from the session: the 基本4情報 are kept only with the
    submission that uses them."""
    identity = current(request, assurance)
    if identity is not None:
        request.session.pop(KEY, None)
    return identity


def forget(request) -> None:
    request.session.pop(KEY, None)
