"""The lottery draw (抽選) as a pure function anyone can re-run.

No Django and no hidden state: the winners follow only from the seed and the inputs, so a
resident can download the published inputs and check the result::

    from madoguchi.reservations.lottery import draw
    winners = draw(seed, applications, frames, max_wins=1)

Algorithm (第1希望優先):
1. Applicants are put in a random order: ascending SHA-256 of ``"<seed>:<applicant id>"``.
   Every order is equally likely, whatever the ids are.
2. Rank by rank (all first wishes, then all second wishes, ...), each applicant in that order
   gets the frame of their wish at that rank if it is still free and they have fewer than
   ``max_wins`` wins.

The seed used is ``derive_seed(secret, inputs_digest(...))``: the secret's SHA-256 is published
before applications close and the secret is revealed at the draw, and the inputs digest makes
the seed depend on every application, so neither staff nor applicants control it alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence


def commitment(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def canonical_inputs(applications: Iterable[tuple[str, Sequence[str]]], frames: Iterable[str]) -> dict:
    return {"applications": sorted([str(a), list(w)] for a, w in applications), "frames": sorted(set(frames))}


def inputs_digest(applications: Iterable[tuple[str, Sequence[str]]], frames: Iterable[str]) -> str:
    data = json.dumps(canonical_inputs(applications, frames), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def derive_seed(secret: str, digest: str) -> str:
    return hashlib.sha256(f"{secret}:{digest}".encode()).hexdigest()


def draw(seed: str, applications: Iterable[tuple[str, Sequence[str]]], frames: Iterable[str], max_wins: int = 1) -> dict[str, str]:
    """Return ``{frame: applicant}`` for every frame won. ``applications`` are
    ``(applicant id, [frame, ...])`` with wishes in order of preference; the order in which
    applications are given does not matter."""
    available = set(frames)
    apps = sorted((str(a), list(w)) for a, w in applications)
    prefix = f"{seed}:".encode()
    order = sorted(apps, key=lambda a: hashlib.sha256(prefix + a[0].encode()).digest())
    wins: dict[str, str] = {}
    counts: dict[str, int] = {}
    max_rank = max((len(w) for _, w in order), default=0)
    for rank in range(max_rank):
        for applicant, wishes in order:
            if rank >= len(wishes) or counts.get(applicant, 0) >= max_wins:
                continue
            frame = wishes[rank]
            if frame in available:
                available.discard(frame)
                wins[frame] = applicant
                counts[applicant] = counts.get(applicant, 0) + 1
    return wins
