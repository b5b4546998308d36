"""Small rules of Japanese wording shared by messages.

``count(3)`` → 「3つ」, ``count(10)`` → 「10個」: the native counter つ stops at 9 (ここのつ), so
「10つまで」 is wrong; from 10 on the general counter 個 is used. Give every number of one
phrase to ``count(n, like=[…])`` so that 「1個以上10個まで」 does not mix counters.
"""

from __future__ import annotations


def counter(*numbers: int) -> str:
    """「つ」 when every number is 0–9, else 「個」."""
    return "つ" if all(0 <= int(n) < 10 for n in numbers) else "個"


def count(n: int, *, like=()) -> str:
    return f"{n}{counter(n, *like)}"
