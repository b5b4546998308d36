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


# 12 digits not touching other digits, optionally written with spaces/hyphens as 4-4-4.
_MY_NUMBER_CANDIDATE = re.compile(r"(?<!\d)(\d{4})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def find_my_numbers(text: str) -> list[str]:
    """All substrings of ``text`` that look like a valid マイナンバー (full-width digits included)."""
    if not text:
        return []
    normalised = text.translate(_FULLWIDTH_DIGITS)
    found = []
    for m in _MY_NUMBER_CANDIDATE.finditer(normalised):
        digits = "".join(m.groups())
        if is_valid_my_number(digits):
            found.append(m.group(0))
    return found


def redact_my_numbers(text: str) -> str:
    """Replace every valid-looking マイナンバー with a mask; used for logs and exports."""
    if not text:
        return text
    normalised = text.translate(_FULLWIDTH_DIGITS)

    def mask(m: re.Match) -> str:
        digits = "".join(m.groups())
        return "[個人番号]" if is_valid_my_number(digits) else m.group(0)

    if normalised != text:
        # Keep original characters where no number was found.
        out, last = [], 0
        for m in _MY_NUMBER_CANDIDATE.finditer(normalised):
            if is_valid_my_number("".join(m.groups())):
                out.append(text[last : m.start()])
                out.append("[個人番号]")
                last = m.end()
        out.append(text[last:])
        return "".join(out)
    return _MY_NUMBER_CANDIDATE.sub(mask, text)


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９－", "0123456789-")


def corporate_number_check_digit(last12: str) -> int:
    total = 0
    for i, d in enumerate(reversed(last12)):
        total += int(d) * (1 if i % 2 == 0 else 2)
    return 9 - total % 9


def is_valid_corporate_number(value: str) -> bool:
    return bool(value and len(value) == 13 and _DIGITS.match(value)) and corporate_number_check_digit(value[1:]) == int(value[0])
