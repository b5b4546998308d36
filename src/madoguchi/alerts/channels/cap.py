"""CAP 1.2 (OASIS Common Alerting Protocol) output, validated against the CAP 1.2 schema, and
import of upstream CAP messages as draft notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.utils import timezone
from lxml import etree

from .. import conf
from . import Channel, Preview, register, render

NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD = Path(__file__).resolve().parent.parent / "CAP-v1.2.xsd"
CAP_LANG = {"ja": "ja-JP", "ja-easy": "ja-JP-x-easy", "en": "en"}
URGENCY = {"Extreme": "Immediate", "Severe": "Immediate", "Moderate": "Expected", "Minor": "Future", "Unknown": "Unknown"}


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def cap_datetime(value: dt.datetime) -> str:
    """CAP wants 2003-04-02T14:39:01+09:00: seconds, an explicit offset, no fraction."""
    local = timezone.localtime(value).replace(microsecond=0)
    return local.isoformat()


def identifier(notice) -> str:
    return f"jp-{notice.municipality.code}-{notice.identifier}"


def _sub(parent, tag, text=None):
    el = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def build(notice) -> bytes:
    sent = notice.sent_at or notice.updated_at or timezone.now()
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", identifier(notice))
    _sub(root, "sender", conf.cap_sender())
    _sub(root, "sent", cap_datetime(sent))
    _sub(root, "status", "Actual" if notice.is_published else "Draft")
    _sub(root, "msgType", notice.kind)
    _sub(root, "scope", "Public")
    if notice.references_id:
        ref = notice.references
        _sub(root, "references", f"{conf.cap_sender()},{identifier(ref)},{cap_datetime(ref.sent_at or ref.updated_at)}")
    areas = list(notice.areas.all()) if notice.pk else []
    shelters = list(notice.shelters.all()) if notice.pk else []
    for lang in notice.languages():
        title, body = notice.text(lang)
        info = _sub(root, "info")
        _sub(info, "language", CAP_LANG[lang])
        _sub(info, "category", notice.topic.cap_category if notice.topic_id else "Other")
        _sub(info, "event", notice.topic.label(lang) if notice.topic_id else title)
        if shelters:
            _sub(info, "responseType", "Evacuate")
        _sub(info, "urgency", URGENCY.get(notice.severity, "Unknown"))
        _sub(info, "severity", notice.severity)
        _sub(info, "certainty", "Observed" if notice.is_emergency else "Likely")
        if notice.effective_from:
            _sub(info, "effective", cap_datetime(notice.effective_from))
        if notice.expires_at:
            _sub(info, "expires", cap_datetime(notice.expires_at))
        _sub(info, "senderName", f"{notice.municipality.name} {notice.section.name}")
        _sub(info, "headline", render.title(notice, lang))
        _sub(info, "description", body)
        if shelters:
            _sub(info, "instruction", ("開設している避難所: " if lang != "en" else "Open shelters: ") + "、".join(s.name for s in shelters))
        if notice.pk:
            _sub(info, "web", render.notice_url(notice))
        if notice.section.phone:
            _sub(info, "contact", f"{notice.section.name} {notice.section.phone}")
        area = _sub(info, "area")
        _sub(area, "areaDesc", "、".join(a.name for a in areas) if areas and not notice.all_areas else notice.municipality.name)
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", "JISX0402")
        _sub(geocode, "value", notice.municipality.code)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validation_errors(xml: bytes) -> list[str]:
    doc = etree.fromstring(xml, parser=_parser())
    s = schema()
    if s.validate(doc):
        return []
    return [f"{e.line}行目: {e.message}" for e in s.error_log]


class CapChannel(Channel):
    name = "cap"
    label = "CAP 1.2 フィード"
    per_subscriber = False

    def validate(self, notice) -> list[str]:
        return []

    def preview(self, notice, language: str) -> Preview:
        xml = build(notice).decode()
        return Preview(self.name, self.label, language, text=xml, size=len(xml.encode()))


register(CapChannel())


# --- import ---------------------------------------------------------------------------------


class CapImportError(ValueError):
    """A Japanese message saying exactly what is wrong with the CAP message."""


@dataclass
class ImportedAlert:
    identifier: str
    sender: str
    msg_type: str
    status: str
    references: list[str]
    severity: str
    category: str
    title: str
    body: str
    effective: dt.datetime | None
    expires: dt.datetime | None
    area_names: list[str] = field(default_factory=list)
    texts: dict = field(default_factory=dict)  # {"en": (title, body)}


def _parser() -> etree.XMLParser:
    # No entity expansion, no network, no DTD: upstream feeds are untrusted.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=True)


def _text(el, tag) -> str:
    found = el.find(f"{{{NS}}}{tag}")
    return (found.text or "").strip() if found is not None else ""


def _dt(value: str, tag: str = "") -> dt.datetime | None:
    """An xs:dateTime as the schema allows it, 24:00:00 (the end of a day, i.e. the next day's
    00:00) included; a value Python cannot read is a CapImportError, never a 500."""
    if not value:
        return None
    text = value.strip()
    next_day = "T24:00:00" in text
    if next_day:
        text = text.replace("T24:00:00", "T00:00:00", 1)
    try:
        parsed = dt.datetime.fromisoformat(text)
        return parsed + dt.timedelta(days=1) if next_day else parsed
    except (ValueError, OverflowError):
        raise CapImportError(f"{tag or '日時'}の値「{value[:40]}」を日時として読み取れません。2026-04-01T09:00:00+09:00 の形で書いてください。") from None


def parse(data: bytes) -> ImportedAlert:
    if not data or not data.strip():
        raise CapImportError("ファイルが空です。CAP 1.2 の XML ファイルを選んでください。")
    try:
        doc = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (exc.lineno, 0)
        raise CapImportError(f"XML として読み取れません（{line}行目 {col}文字目）: {exc.msg}") from None
    if doc.getroottree().docinfo.doctype:
        # A CAP message has no DOCTYPE; one with entities (external or not) is refused outright
        # rather than validated with unexpanded entity references.
        raise CapImportError("DOCTYPE（文書型宣言）を含む XML は取り込めません。DOCTYPE のない CAP 1.2 のメッセージを取り込んでください。")
    if doc.tag != f"{{{NS}}}alert":
        qname = etree.QName(doc)
        if qname.localname == "alert" and qname.namespace and "cap" in qname.namespace:
            raise CapImportError(f"CAP 1.2 ではありません（名前空間 {qname.namespace}）。CAP 1.2（{NS}）のメッセージを取り込んでください。")
        raise CapImportError(f"CAP の alert 要素ではありません（最初の要素が「{qname.localname}」です）。")
    s = schema()
    try:
        valid = s.validate(doc)
    except etree.XMLSchemaValidateError:
        raise CapImportError("CAP 1.2 の形式として検査できませんでした。実体参照などを含まない CAP 1.2 のメッセージを取り込んでください。") from None
    if not valid:
        e = s.error_log[0]
        raise CapImportError(f"CAP 1.2 の形式に合いません（{e.line}行目）: {_ja_schema_message(e.message)}")
    infos = doc.findall(f"{{{NS}}}info")
    if not infos:
        raise CapImportError("info 要素がありません。見出しと本文を含む info 要素が1つ以上必要です。")

    def pick(*langs):
        for info in infos:
            lang = (_text(info, "language") or "en-US").lower()
            if any(lang.startswith(p) for p in langs):
                return info
        return None

    main = pick("ja")
    if main is None:  # an element's truth is its child count, so no `or` here
        main = infos[0]
    areas = []
    for area in main.findall(f"{{{NS}}}area"):
        desc = _text(area, "areaDesc")
        areas += [p.strip() for p in desc.replace("、", ",").replace(" ", ",").split(",") if p.strip()]
    texts = {}
    en = pick("en")
    if en is not None and en is not main:
        texts["en"] = (_text(en, "headline") or _text(en, "event"), "\n\n".join(filter(None, [_text(en, "description"), _text(en, "instruction")])))
    refs = _text(doc, "references").split()
    return ImportedAlert(
        identifier=_text(doc, "identifier"),
        sender=_text(doc, "sender"),
        msg_type=_text(doc, "msgType"),
        status=_text(doc, "status"),
        references=[r.split(",")[1] for r in refs if r.count(",") >= 2],
        severity=_text(main, "severity"),
        category=_text(main, "category"),
        title=(_text(main, "headline") or _text(main, "event"))[:120],
        body="\n\n".join(filter(None, [_text(main, "description"), _text(main, "instruction")])),
        effective=_dt(_text(main, "effective"), "effective（発効日時）"),
        expires=_dt(_text(main, "expires"), "expires（失効日時）"),
        area_names=areas,
        texts=texts,
    )


def _ja_schema_message(message: str) -> str:
    """lxml's English schema message with a Japanese lead that says what to fix."""
    if "is not an element of the set" in message or "not accepted by the pattern" in message or "is not a valid value" in message:
        return "値が CAP 1.2 で決められた値ではありません。" + message
    if "Missing child element" in message:
        return "必要な要素がありません。" + message
    if "This element is not expected" in message:
        return "この位置には置けない要素です（要素の順序または名前を確認してください）。" + message
    return message
