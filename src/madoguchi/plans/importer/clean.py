"""Cleaning what PDF/Excel conversion leaves in the text: HTML fragments, stray spaces inside
words (「D X」), Cyrillic look-alikes inside Japanese words, full-width spaces."""

from __future__ import annotations

import functools
import html
import re

# An HTML tag starts with a Latin letter (or / or !); 「<概要>」 is a label in angle brackets, kept.
_TAG = re.compile(r"</?[A-Za-z!][^>]*>")
_BLOCK_TAG = re.compile(r"</?(p|li|ul|ol|br|div|tr|td|th)\b[^>]*>", re.I)
# Single Latin letters separated by single spaces: 「D X」「C I O」「A I - O C R」 → DX, CIO, AI-OCR.
_SPACED_LETTERS = re.compile(r"(?<![A-Za-z])[A-Za-z](?:[ \u3000]?[\-–・][ \u3000]?[A-Za-z]|[ \u3000][A-Za-z])+(?![A-Za-z])")
_CJK = r"\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u3005\u30fc"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Cyrillic letters that conversion produced inside katakana words (e.g. 「デジタルバйд」): the
# nearest-looking katakana; Latin look-alikes for the rest.
CYRILLIC_TO_KANA = {"й": "イ", "и": "イ", "Й": "イ", "И": "イ", "д": "ド", "Д": "ド", "п": "ロ", "П": "ロ", "л": "ル", "Л": "ル"}
CYRILLIC_TO_LATIN = dict(zip("АВЕКМНОРСТХаеорсухіјѕ", "ABEKMHOPCTXaeopcyxijs", strict=True))


def strip_html(text: str) -> str:
    """Tags → line breaks where they separated blocks; entities unescaped."""
    if "<" not in text and "&" not in text:
        return text
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def join_spaced_letters(text: str) -> str:
    def fix(m: re.Match) -> str:
        return re.sub(r"[ \u3000]", "", m.group(0))

    return _SPACED_LETTERS.sub(fix, text)


def fix_cyrillic(text: str) -> tuple[str, bool]:
    """Replace Cyrillic letters inside Japanese or Latin words; report whether anything changed."""
    if not _CYRILLIC.search(text):
        return text, False
    out = []
    for i, ch in enumerate(text):
        if _CYRILLIC.match(ch):
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            japanese = bool(re.match(f"[{_CJK}]", before) or re.match(f"[{_CJK}]", after) or _CYRILLIC.match(before or " "))
            if japanese and ch in CYRILLIC_TO_KANA:
                out.append(CYRILLIC_TO_KANA[ch])
                continue
            out.append(CYRILLIC_TO_LATIN.get(ch, ch))
        else:
            out.append(ch)
    return "".join(out), True


_tokenizer = None
_SPLIT_WORD = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _tokens(text: str):
    global _tokenizer
    if _tokenizer is None:
        try:
            from sudachipy import dictionary, tokenizer

            _tokenizer = (dictionary.Dictionary().create(), tokenizer.Tokenizer.SplitMode.B)
        except Exception:  # no dictionary installed: leave such spaces alone
            _tokenizer = False
    if not _tokenizer:
        return None
    tok, mode = _tokenizer
    return [(m.begin(), m.end()) for m in tok.tokenize(text, mode)]


def join_split_words(text: str) -> str:
    """「各機能の調 査・検討」→「各機能の調査・検討」: a space PDF conversion put inside a word. The
    space goes only when a dictionary word spans it; spaces between phrases stay."""
    if not _SPLIT_WORD.search(text):
        return text
    out = []
    last = 0
    for m in _SPLIT_WORD.finditer(text):
        left = text[max(0, m.start() - 8) : m.start()].split(" ")[-1]
        right = text[m.end() : m.end() + 8].split(" ")[0]
        spans = _tokens(left + right)
        if spans is None:
            return text
        boundary = len(left)
        if any(b < boundary < e for b, e in spans):
            out.append(text[last : m.start()])
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def clean(text: str | None, *, multiline: bool = False) -> str:
    """Clean one cell or paragraph."""
    if not text:
        return ""
    return _clean(str(text), multiline)


# A one-letter outline marker at the start of a line (「ア 電子申請」「II 計画の概要」「A 手続の…」): the space
# after it separates the marker from the title, so the word-joining below must not remove it.
_LEAD_MARKER = re.compile(
    r"^([ \u3000]*(?:[アイウエオカキクケコサシスセソタチツテト]|[IVX]{1,4}|[A-Za-zＡ-Ｚａ-ｚ][.．]?(?=[ \u3000]+[^\sA-Za-zＡ-Ｚａ-ｚ\-–・])))[ \u3000]+(?=\S)"
)  # (a Latin letter only before a non-Latin title: 「A I - OCR」 is spaced letters)


@functools.lru_cache(maxsize=65536)
def _clean(text: str, multiline: bool) -> str:
    # Cached: the preview re-reads the same stored cells on every request of the editor, and
    # each family asks for the same cell several times.
    m = _LEAD_MARKER.match(text)
    if m and not multiline:
        rest = _clean(text[m.end() :], False)
        return f"{m.group(1).strip()} {rest}" if rest else m.group(1).strip()
    text = strip_html(text)
    text = text.replace("\u3000", " ").replace("\xa0", " ").replace("\r", "")
    text = re.sub(r"\\\*", "*", text)  # markdown-escaped asterisks from converters
    text, _ = fix_cyrillic(text)
    text = join_spaced_letters(text)
    # A space between Latin letters and Japanese is conversion noise: 「自治体 DX 推進」.
    text = re.sub(f"(?<=[{_CJK}]) (?=[A-Za-z])", "", text)
    text = re.sub(f"(?<=[A-Za-z]) (?=[{_CJK}])", "", text)
    text = join_split_words(text)
    # The glossary asterisk after a term (「マイナポータル*」).
    text = re.sub(f"(?<=[{_CJK}A-Za-z)）])\\*", "", text)
    if multiline:
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
        return "\n".join(line for line in lines if line)
    return re.sub(r"\s+", " ", text).strip()


def has_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text or ""))


def strip_notes(text: str) -> str:
    """Drop 「※…」 notes from a phase cell."""
    return re.split(r"[※＊]", text, maxsplit=1)[0].strip()
