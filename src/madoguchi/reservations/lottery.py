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

import json
from collections.abc import Iterable, Sequence

# The verifiable-draw mechanism (commitment, seed derivation, hash order) is core's; this module
# adds the lottery's own inputs and its 第1希望優先 assignment. Both run without Django.
from madoguchi.core.draw import commitment, derive_seed, hash_key
from madoguchi.core.draw import digest as _digest

__all__ = ["canonical_inputs", "commitment", "derive_seed", "draw", "inputs_digest", "verify"]


def canonical_inputs(applications: Iterable[tuple[str, Sequence[str]]], frames: Iterable[str]) -> dict:
    return {"applications": sorted([str(a), list(w)] for a, w in applications), "frames": sorted(set(frames))}


def inputs_digest(applications: Iterable[tuple[str, Sequence[str]]], frames: Iterable[str]) -> str:
    return _digest(canonical_inputs(applications, frames))


def draw(seed: str, applications: Iterable[tuple[str, Sequence[str]]], frames: Iterable[str], max_wins: int = 1) -> dict[str, str]:
    """Return ``{frame: applicant}`` for every frame won. ``applications`` are
    ``(applicant id, [frame, ...])`` with wishes in order of preference; the order in which
    applications are given does not matter."""
    available = set(frames)
    apps = sorted((str(a), list(w)) for a, w in applications)
    key = hash_key(seed)  # core.draw.order's order, without building it apart and looking it up
    order = sorted(apps, key=lambda a: key(a[0]))
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


def verify(data: dict) -> list[tuple[str, bool, str]]:
    """Re-run a published lottery from its inputs file (``inputs.json``) and return the checks
    as ``(check, passed, detail)``. Needs only this module: anyone can run it."""
    checks: list[tuple[str, bool, str]] = []
    try:
        secret = str(data["secret_seed"])
        applications = [(str(a), [str(f) for f in w]) for a, w in data["applications"]]
        frames = [str(f) for f in data["frames"]]
        max_wins = int(data.get("max_wins", 1))
        published = {str(k): str(v) for k, v in dict(data.get("winners", {})).items()}
    except (KeyError, TypeError, ValueError) as exc:
        return [("inputs", False, f"入力ファイルの形式が正しくありません（{exc}）。")]
    ok = commitment(secret) == data.get("seed_commitment")
    checks.append(("commitment", ok, "公開したシードのSHA-256が、抽選前に公開したハッシュと一致" + ("します。" if ok else "しません。")))
    digest = inputs_digest(applications, frames)
    ok = digest == data.get("inputs_digest")
    checks.append(("digest", ok, "申込データのハッシュが一致" + ("します。" if ok else f"しません（計算値 {digest}）。")))
    seed = derive_seed(secret, digest)
    ok = seed == data.get("draw_seed")
    checks.append(("seed", ok, "抽選に使ったシードが一致" + ("します。" if ok else f"しません（計算値 {seed}）。")))
    winners = draw(seed, applications, frames, max_wins=max_wins)
    ok = winners == published
    diff = len(set(winners.items()) ^ set(published.items()))
    checks.append(("winners", ok, f"再抽選の当選者（{len(winners)}枠）が公表した結果と" + ("一致します。" if ok else f"{diff}件食い違います。")))
    return checks


def main(argv: list[str] | None = None) -> int:
    """``python -m madoguchi.reservations.lottery lottery-1-inputs.json``: exit 0 when the
    published result is reproduced."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("使い方: python -m madoguchi.reservations.lottery <抽選の申込データ.json>", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        checks = verify(json.load(fh))
    for _name, passed, detail in checks:
        print(("OK  " if passed else "NG  ") + detail)
    return 0 if all(p for _, p, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
