"""Numbers as printed at the start of a title: (1), （1）, ①, ア, 1-ア, Ⅱ-1-(2)①, No.15, 第1章."""

from __future__ import annotations

import re

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ"
IROHA = "アイウエオカキクケコサシスセソタチツテト"
# More marker families printed by word processors: ⑴ (one character for (1)), ❶/➊ (black
# circled), ⅰ (small Roman numerals).
PAREN_DIGITS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
BLACK_CIRCLED = "❶❷❸❹❺❻❼❽❾❿➊➋➌➍➎➏➐➑➒➓"
SMALL_ROMAN = "ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ"
# Kanji that PDF conversion puts where a katakana counter was printed (1-工 for 1-エ).
KANA_LOOKALIKES = {"工": "エ", "力": "カ", "二": "ニ", "口": "ロ", "八": "ハ", "夕": "タ", "卜": "ト", "才": "オ"}

# Latin-letter markers (A. B. (a) ａ．): one letter, in brackets or followed by a separator, so
# that 「AI活用」「e-Tax」 stay titles.
LATIN = "A-Za-zＡ-Ｚａ-ｚ"
_LATIN_PART = rf"[(（]\s*[{LATIN}]\s*[)）]|[{LATIN}](?=[\s　.．、:：)）]|$|\s*[-‐－―]\s*[0-9０-９])"
# (ア) （イ）, ⑴, ❶, ⅰ, 1) １）, a), 〔1〕 [1]
_MORE_PART = rf"[(（][{IROHA}][)）]|[{PAREN_DIGITS}{BLACK_CIRCLED}]|[{SMALL_ROMAN}]+|\d{{1,3}}[)）]|[{LATIN}][)）]|[〔［\[]\s*\d{{1,3}}\s*[〕］\]]"
_PART = rf"(?:{_MORE_PART}|{_LATIN_PART}|[(（]\s*\d+\s*[)）]|[{CIRCLED}]|[{ROMAN}]+|\d+|[{IROHA}](?![ぁ-んァ-ヶー])|[工力二口八夕卜才](?=$|[\s　、．.）)]))"
_NUMBER = re.compile(rf"^\s*(?:No\.?\s*)?({_PART}(?:\s*[-‐－―・.．]\s*{_PART}|{_PART})*)[\s　.．、:：]*")


def split_number(text: str) -> tuple[str, str]:
    """「(1)いつでも…」→ ("(1)", "いつでも…"); a title without a number → ("", title)."""
    text = (text or "").strip()
    m = _NUMBER.match(text)
    if not m:
        return "", text
    number = normalise_number(m.group(1))
    rest = text[m.end() :].strip()
    if not rest:  # the cell is only a number
        return number, ""
    # 「1 方針」 is a number; 「10月」「2021年」 is not (「1 人材育成」, apart by a space, is).
    if re.match(r"^(年|月|日|件|人|%|％|歳|時|分|回|か所|箇所|万|億)", rest) and m.end() == m.end(1):
        return "", text
    return number, rest


_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)


def normalise_number(number: str) -> str:
    n = re.sub(r"\s+", "", number)
    n = n.replace("（", "(").replace("）", ")").replace("－", "-").replace("‐", "-").replace("―", "-")
    n = n.translate(_FULLWIDTH)
    n = "".join(f"({PAREN_DIGITS.index(c) + 1})" if c in PAREN_DIGITS else c for c in n)
    n = re.sub(r"^([A-Za-z])[.．]$", r"\1", n)  # 「A.」 → A
    # 「1-工」: a kanji look-alike in a katakana counter position.
    n = re.sub(r"(?<=[-.])([工力二口八夕卜才])$", lambda m: KANA_LOOKALIKES[m.group(1)], n)
    return n


def is_number(text: str) -> bool:
    number, rest = split_number(text)
    return bool(number) and not rest
