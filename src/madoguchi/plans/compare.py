"""Compare municipalities' plans side by side by theme. Themes are data: a label and the
keywords that put an item into it (title, description and schedule text are searched). Beside
each measure: the previous plan's evaluation of the measure it continues (issue #13 item 6)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

THEMES: list[dict] = [
    {
        "code": "online",
        "label": _("オンライン申請"),
        "keywords": ["オンライン申請", "電子申請", "オンライン化", "行政手続のオンライン", "申請・届出", "マイナポータル", "書かない"],
    },
    {"code": "cashless", "label": _("キャッシュレス"), "keywords": ["キャッシュレス", "電子決済", "QRコード決済", "eL-QR", "公金納付"]},
    {"code": "opendata", "label": _("オープンデータ"), "keywords": ["オープンデータ", "データ活用", "官民データ", "二次利用"]},
    {"code": "security", "label": _("セキュリティ"), "keywords": ["セキュリティ", "情報漏洩", "サイバー"]},
    {"code": "mynumber", "label": _("マイナンバーカード"), "keywords": ["マイナンバーカード"]},
    {"code": "standard", "label": _("システムの標準化"), "keywords": ["標準化", "共通化", "ガバメントクラウド"]},
    {
        "code": "divide",
        "label": _("デジタルデバイド対策"),
        "keywords": ["デジタルデバイド", "デジタルデバインド", "デジタルが苦手", "スマートフォン講座", "講習会"],
    },
    {"code": "workstyle", "label": _("テレワーク・働き方"), "keywords": ["テレワーク", "ペーパーレス", "モバイルワーク", "無線LAN", "オンライン会議"]},
    {"code": "ai", "label": _("AI・RPA"), "keywords": ["AI", "RPA", "生成AI", "チャットボット", "OCR"]},
    {"code": "talent", "label": _("人材育成・体制"), "keywords": ["人材", "研修", "CIO", "推進体制"]},
]


@dataclass
class Match:
    item: object
    years: dict
    previous: dict | None = None  # the previous plan's evaluation of this measure (see below)


def previous_evaluations(items) -> dict[int, dict]:
    """{item id: the previous plan's evaluation row} for items linked to a 前計画の取組: its
    accepted report of the latest year — 達成状況 with the scale as read from the document (the
    前計画's own rating scale), 今後の方向性, 引継ぎ, 実施状況."""
    from .models import ProgressReport

    linked = {it.predecessor_id: it.pk for it in items if it.predecessor_id}
    if not linked:
        return {}
    out: dict[int, dict] = {}
    reports = (
        ProgressReport.objects.filter(item_id__in=linked, status=ProgressReport.Status.ACCEPTED)
        .select_related("item__plan")
        .order_by("item_id", "-fiscal_year")
    )
    for report in reports:
        item_id = linked[report.item_id]
        if item_id in out:
            continue  # the latest year only
        prev = report.item.plan
        out[item_id] = {
            "plan": prev,
            "measure": report.item,
            "year": report.fiscal_year,
            "rating": prev.rating_label(report.rating),
            "scale": [r.get("label", "") for r in prev.rating_scale if r.get("label")],
            "direction": prev.direction_label(report.direction),
            "handover": report.handover,
            "done": report.done,
        }
    return out


def themes_of(item) -> list[str]:
    text = " ".join([item.title, item.description or ""])
    return [t["code"] for t in THEMES if any(k.lower() in text.lower() for k in t["keywords"])]


def compare(plans, theme_code: str) -> dict:
    """{plan: [items in the theme]} and the union of fiscal years for the columns."""
    theme = next((t for t in THEMES if t["code"] == theme_code), THEMES[0])
    result = []
    years: set[int] = set()
    for plan in plans:
        items = []
        for item in plan.items.prefetch_related("schedule").order_by("order"):
            title_text = " ".join([item.title, item.description or ""]).lower()
            if any(k.lower() in title_text for k in theme["keywords"]):
                schedule = item.expanded_schedule(plan.years)
                for row in schedule.values():
                    years.update(row)
                items.append(Match(item, schedule))
        evaluations = previous_evaluations([m.item for m in items])
        for m in items:
            m.previous = evaluations.get(m.item.pk)
        result.append((plan, items))
    return {"theme": theme, "rows": result, "years": sorted(years)}
