"""Text of a notice as the subscriber channels carry it (shared by email, LINE and push)."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.formats import date_format

from madoguchi.core.links import absolute_url

PREFIX = {
    "ja": {"Update": "【訂正】", "Cancel": "【取消】", "emergency": "【緊急】"},
    "ja-easy": {"Update": "【なおしました】", "Cancel": "【とりけし】", "emergency": "【きんきゅう】"},
    "en": {"Update": "[Correction] ", "Cancel": "[Cancelled] ", "emergency": "[Emergency] "},
}
LABELS = {
    "ja": {
        "areas": "対象地域",
        "all": "市内全域",
        "until": "有効期限",
        "shelters": "開設している避難所",
        "links": "関連リンク",
        "more": "詳しくは",
        "stop": "配信停止",
        "manage": "受け取り設定の変更",
    },
    "ja-easy": {
        "areas": "ばしょ",
        "all": "しの ぜんぶ",
        "until": "いつまで",
        "shelters": "ひなんじょ",
        "links": "リンク",
        "more": "くわしく",
        "stop": "とめる",
        "manage": "うけとる ないようを かえる",
    },
    "en": {
        "areas": "Areas",
        "all": "Whole city",
        "until": "Valid until",
        "shelters": "Open shelters",
        "links": "Links",
        "more": "Details",
        "stop": "Unsubscribe",
        "manage": "Change what you receive",
    },
}


# Language names for staff messages (Japanese UI); residents pick languages by their own names
# (models.Language).
LANGUAGE_NAMES = {"ja": "日本語", "ja-easy": "やさしい日本語", "en": "英語"}


def language_name(language: str) -> str:
    return LANGUAGE_NAMES.get(language, language)


def _lang(language: str) -> str:
    return language if language in PREFIX else "ja"


def notice_url(notice) -> str:
    return absolute_url("alerts:notice_detail", notice.pk, municipality=notice.municipality)


def unsubscribe_url(subscription) -> str:
    return unsubscribe_url_for(subscription.token)


def manage_url_for(token: str) -> str:
    """Signed link to the subscription's 受け取り設定 page (topics, areas, language, consent)."""
    from ..services import manage_key

    return manage_url_for_key(manage_key(token))


def manage_url_for_key(key: str) -> str:
    return absolute_url("alerts:manage", key)


def unsubscribe_url_for(token: str) -> str:
    return absolute_url("alerts:unsubscribe", token)


def _marker_words() -> list[str]:
    words = {re.sub(r"[【】\[\]]", "", p).strip() for labels in PREFIX.values() for p in labels.values()}
    return sorted(words, key=len, reverse=True)


# A marker staff may have typed themselves at the start of a title, in any of our languages and
# in full- or half-width brackets (「【緊急】」「[緊急]」「［訂正］」「[Emergency]」).
_TYPED_MARKER = re.compile(r"^\s*[【\[［(（〔]\s*(?:" + "|".join(re.escape(w) for w in _marker_words()) + r")\s*[】\]］)）〕]\s*", re.IGNORECASE)


def display_title(text: str, prefix: str) -> str:
    """``prefix`` + ``text`` once: markers the author already typed at the start are dropped
    first, so 「【緊急】大雨」 never becomes 「【緊急】【緊急】大雨」, and the result is idempotent
    (display_title(display_title(t, p), p) == display_title(t, p))."""
    if not prefix:
        return text
    rest = text
    while m := _TYPED_MARKER.match(rest):
        rest = rest[m.end() :]
    return prefix + rest.strip()


def title(notice, language: str) -> str:
    """The displayed title of a notice, the one every channel carries (email subject, LINE,
    Web Push, RSS/Atom, CAP headline): 【訂正】/【取消】 for an update or cancel, else 【緊急】
    for an emergency, before the title written by staff, never twice."""
    lang = _lang(language)
    text, _ = notice.text(lang)
    prefix = PREFIX[lang].get(notice.kind, "")
    if not prefix and notice.is_emergency:
        prefix = PREFIX[lang]["emergency"]
    return display_title(text, prefix)


def area_names(notice, language: str) -> str:
    lab = LABELS[_lang(language)]
    if notice.all_areas or not notice.pk:
        return lab["all"]
    names = [(a.name_en or a.name) if language == "en" else a.name for a in notice.areas.all()]
    return "、".join(names) if names else lab["all"]


def plain(notice, language: str, *, unsubscribe: str | None = None, with_title: bool = False) -> str:
    """Plain text body: the message, then areas, validity, shelters, links, page URL."""
    lang = _lang(language)
    lab = LABELS[lang]
    _, body = notice.text(lang)
    parts = [title(notice, lang), ""] if with_title else []
    parts.append(body.strip())
    parts.append("")
    parts.append(f"{lab['areas']}: {area_names(notice, lang)}")
    if notice.expires_at:
        parts.append(f"{lab['until']}: {date_format(timezone.localtime(notice.expires_at), 'Y-m-d H:i')}")
    if notice.pk:
        shelters = list(notice.shelters.all())
        if shelters:
            parts.append(f"{lab['shelters']}: " + "、".join(s.name for s in shelters))
    for link in notice.links or []:
        parts.append(f"{link.get('label', '')} {link.get('url', '')}".strip())
    if notice.pk:
        parts.append(f"{lab['more']}: {notice_url(notice)}")
    if unsubscribe:
        parts.append(f"{lab['stop']}: {unsubscribe}")
    return "\n".join(parts)
