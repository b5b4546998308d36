"""Compare municipalities' plans side by side by theme. Themes are data: a label and the
keywords that put an item into it (title, description and schedule text are searched)."""

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
        result.append((plan, items))
    return {"theme": theme, "rows": result, "years": sorted(years)}
