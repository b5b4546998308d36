"""Text rules shared by opinions and proposals: normalisation for duplicate detection, and the
scan for personal data (個人情報) inside free text."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata

from madoguchi.core.codes import MY_NUMBER_MASK, find_my_numbers

_NOT_WORD = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC (全角/半角 folded), lower case, no spaces or punctuation: what makes two opinions the
    same text sent twice."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode()).hexdigest()


def similarity(a: str, b: str) -> float:
    """0–1, how alike two texts are after normalisation (difflib's ratio)."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


_PREFECTURE = r"(?:北海道|東京都|(?:京都|大阪)府|[^\s、。「」（）()]{2,3}県)"
_DIGITS = r"[0-9０-９一二三四五六七八九十]+"
PATTERNS = [
    ("email", re.compile(r"[\w.+-]+[@＠][\w-]+(?:[.．][\w-]+)+")),
    ("phone", re.compile(r"(?<![0-9０-９])[0０][0-9０-９]{1,4}[-‐－ー(（)）\s]?[0-9０-９]{1,4}[-‐－ー)）\s]?[0-9０-９]{3,4}(?![0-9０-９])")),
    (
        "address",
        re.compile(
            rf"(?![はにのをがでと]){_PREFECTURE}?[^\s、。「」（）()]{{1,8}}?[市区町村][^\s、。「」（）()]{{0,12}}?{_DIGITS}(?:丁目|番地?|号|[-‐－ー]{_DIGITS})(?:{_DIGITS}(?:番地?|号)|[-‐－ー]{_DIGITS})*"
        ),
    ),
    ("name", re.compile(r"(?:氏名|名前|お名前)\s*[:：]\s*[^\s、。,]{1,12}")),
    ("name", re.compile(r"[一-龥々]{1,4}[ 　]?[一-龥々ぁ-んァ-ヶ]{0,4}(?:さん|様|氏|君|ちゃん)(?![一-龥])")),
]


# Honorifics that name nobody (「皆様」「市長さん」 name an office, not a person's name).
_NOT_NAMES = {"皆様", "皆さん", "お客様", "各位様"}
_NOT_NAME_STARTS = ("皆", "市長", "職員", "市民", "住民", "先生", "担当", "利用者", "子供", "子ども", "高齢者", "議員", "町長", "村長", "区長")


def scan_personal_data(text: str) -> list[tuple[str, str]]:
    """(kind, excerpt) for each thing in ``text`` that looks like personal data. Generous on
    purpose: staff resolve each (redact or keep) before anything is published. A マイナンバー is
    already masked on save; the mask itself is reported so it is checked too."""
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    if MY_NUMBER_MASK in (text or "") or find_my_numbers(text or ""):
        found.append(("my_number", MY_NUMBER_MASK))
        seen.add(("my_number", MY_NUMBER_MASK))
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text or ""):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # an email's digits are not also a phone number
            if kind == "name" and (m.group(0) in _NOT_NAMES or m.group(0).startswith(_NOT_NAME_STARTS)):
                continue
            key = (kind, m.group(0)[:200])
            taken.append(m.span())
            if key not in seen:
                seen.add(key)
                found.append(key)
    return found


REDACTION_MASK = "[個人情報]"


def redact(text: str, excerpt: str) -> str:
    return (text or "").replace(excerpt, REDACTION_MASK) if excerpt and excerpt != MY_NUMBER_MASK else text
