"""Verifiable random selection (検証可能な抽選): commit to a secret, derive the seed from the secret
and the inputs, order candidates by hash. Any app uses it for a selection that residents can
re-run (the facility lottery, a survey's random sample of the resident register).

No Django and no hidden state — anyone can re-run a published draw with this module alone:

1. Before the inputs close, publish ``commitment(secret)`` (SHA-256 of a random secret).
2. When they close, compute ``digest(inputs)`` of the canonical inputs (every application or
   every register row), then ``seed = derive_seed(secret, digest)``: neither the organiser (who
   committed to the secret earlier) nor a participant (who cannot know the secret) controls it.
3. ``order(seed, ids)`` puts candidates in a random order: ascending SHA-256 of
   ``"<seed>:<id>"``; every order is equally likely whatever the ids are. ``sample`` takes the
   first ``k``. Publish the secret, the inputs and the result; ``verify_commitment`` and a re-run
   reproduce it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable


def new_secret() -> str:
    return secrets.token_hex(32)


def commitment(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_commitment(secret: str, published: str) -> bool:
    return commitment(secret) == published


def canonical_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def digest(data) -> str:
    """SHA-256 of the canonical JSON of ``data`` (sort lists first where order does not matter)."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def derive_seed(secret: str, inputs_digest: str) -> str:
    return hashlib.sha256(f"{secret}:{inputs_digest}".encode()).hexdigest()


def hash_key(seed: str):
    """The sort key of the draw's random order for an id (a string): SHA-256 of ``"<seed>:<id>"``."""
    prefix = f"{seed}:".encode()
    return lambda i: hashlib.sha256(prefix + i.encode()).digest()


def order(seed: str, ids: Iterable) -> list[str]:
    """The ids (as strings) in the draw's random order."""
    return sorted({str(i) for i in ids}, key=hash_key(seed))


def sample(seed: str, ids: Iterable, k: int) -> list[str]:
    """``k`` ids drawn without replacement, in draw order."""
    return order(seed, ids)[: max(k, 0)]
