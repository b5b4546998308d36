"""Check digits of Japanese public identifiers (see shared/reference/japan-domain.md).

- 全国地方公共団体コード (local government code): 5 digits + check digit.
- 個人番号 (マイナンバー): 11 digits + check digit.
- 法人番号 (corporate number): check digit + 12 digits.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"^\d+$")


def local_government_check_digit(first5: str) -> int:
    weights = (6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(first5, weights, strict=False))
    return (11 - total % 11) % 10


def is_valid_local_government_code(code: str) -> bool:
    """True for a 6-digit 全国地方公共団体コード whose last digit checks."""
    return bool(code and len(code) == 6 and _DIGITS.match(code)) and local_government_check_digit(code[:5]) == int(code[5])


def repair_local_government_code(code: str) -> str | None:
    """Repair the forms published files use: a dropped leading zero or a missing check digit."""
    code = (code or "").strip()
    if not _DIGITS.match(code):
        return None
    candidates = []
    if len(code) == 6:
        candidates.append(code)
    if len(code) == 5:
        candidates += ["0" + code, code + str(local_government_check_digit(code))]
    if len(code) == 4:
        candidates.append("0" + code + str(local_government_check_digit("0" + code)))
    for c in candidates:
        if is_valid_local_government_code(c):
            return c
    return None


def my_number_check_digit(first11: str) -> int:
    total = 0
    for n in range(1, 12):
        p = int(first11[11 - n])  # P1 is the 11th digit, read from the right
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(value: str) -> bool:
    """True for a 12-digit string whose last digit is a valid 個人番号 check digit."""
    return bool(value and len(value) == 12 and _DIGITS.match(value)) and my_number_check_digit(value[:11]) == int(value[11])


# マイナンバー detection — the one mechanism (core.validation refuses or masks with it; logs,
# audit and exports redact with it). Text is normalised per character with NFKC (full-width
# digits, spaces and dashes fold), then a candidate is 12 contiguous digits, or three groups of
# four (or four groups of three, the other grouping people write) joined by ONE separator each: a space of any width, a line break, or a dash of any width
# including 「ー」「−」「‐」. Dots, slashes, colons and groups of other lengths never join (dates,
# times, phone numbers, amounts), and a candidate that runs on into more digits — directly,
# through a separator or a decimal point — is part of something longer (a card number, a
# decimal). The check digit then decides.
_SEP_CHARS = " \t\r\n\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\u2500-"
_SEP = "(?:\r\n|[" + re.escape(_SEP_CHARS) + "])"
_NOT_AFTER = rf"(?<!\d)(?<!\d[{re.escape(_SEP_CHARS)}.,])(?<!\d\r\n)"
_NOT_BEFORE = rf"(?!\d)(?!{_SEP}\d)(?![.,]\d)"
_MY_NUMBER_CANDIDATE = re.compile(
    rf"{_NOT_AFTER}(?:(\d{{12}})|(\d{{4}}){_SEP}(\d{{4}}){_SEP}(\d{{4}})|(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{3}})){_NOT_BEFORE}"
)


def _is_nfkc(text: str) -> bool:
    """Whether ``text`` is in NFKC form; then so is each of its characters alone (a character
    that NFKC changes would change the whole text too), so ``_normalise`` would return it as is."""
    import unicodedata

    return unicodedata.is_normalized("NFKC", text)


def _normalise(text: str) -> tuple[str, list[int]]:
    """NFKC per character, with each output character's index in ``text`` (so a match in the
    normalised text masks the right span of what was typed)."""
    import unicodedata

    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch) if ord(ch) > 0x7F else ch
        if not folded.isascii() and folded.isdigit():
            folded = str(unicodedata.digit(folded, 0)) if unicodedata.digit(folded, None) is not None else folded
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


_ASCII_DIGITS = "0123456789"


def _spans(text: str) -> list[tuple[int, int]]:
    """(start, end) in ``text`` of every valid-looking マイナンバー."""
    if not text:
        return []
    digits = sum(map(str.isdigit, text))
    if digits < 12:
        return []
    # Text already in NFKC form with only ASCII digits (most answers: names, addresses and
    # phone numbers typed in kanji, kana and half-width digits) is its own per-character
    # normalisation: no per-character pass on every submission's answers.
    if text.isascii() or (digits == sum(map(text.count, _ASCII_DIGITS)) and _is_nfkc(text)):
        normalised, where = text, range(len(text))
    else:
        normalised, where = _normalise(text)
    spans = []
    for m in _MY_NUMBER_CANDIDATE.finditer(normalised):
        digits = m.group(1) or "".join(g for g in m.groups()[1:] if g)
        if is_valid_my_number(digits):
            spans.append((where[m.start()], where[m.end() - 1] + 1))
    return spans


def find_my_numbers(text: str) -> list[str]:
    """Every substring of ``text`` that looks like a valid マイナンバー, as it was written."""
    return [text[a:b] for a, b in _spans(text or "")]


def contains_my_number(text: str) -> bool:
    return bool(_spans(text or ""))


MY_NUMBER_MASK = "[個人番号]"


def redact_my_numbers(text: str) -> str:
    """``text`` with every valid-looking マイナンバー replaced by 「[個人番号]」 (logs, audit,
    exports, and text staff transcribe or import)."""
    if not text or not isinstance(text, str):
        return text
    spans = _spans(text)
    if not spans:
        return text
    out, last = [], 0
    for a, b in spans:
        out += [text[last:a], MY_NUMBER_MASK]
        last = b
    out.append(text[last:])
    return "".join(out)


def corporate_number_check_digit(last12: str) -> int:
    total = 0
    for i, d in enumerate(reversed(last12)):
        total += int(d) * (1 if i % 2 == 0 else 2)
    return 9 - total % 9


def is_valid_corporate_number(value: str) -> bool:
    return bool(value and len(value) == 13 and _DIGITS.match(value)) and corporate_number_check_digit(value[1:]) == int(value[0])
