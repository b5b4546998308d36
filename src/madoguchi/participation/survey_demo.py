"""The demo survey (デモのアンケート): every survey question type and a branch, used by the demo
city, the tests and the browser test. All answers are invented."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from .survey_models import Survey

TITLE = "市のデジタル化に関するアンケート（デモ）"

AGE_CHOICES = [
    {"value": "under20", "label": "20歳未満"},
    {"value": "20s", "label": "20歳代"},
    {"value": "30s", "label": "30歳代"},
    {"value": "40s", "label": "40歳代"},
    {"value": "50s", "label": "50歳代"},
    {"value": "60s", "label": "60歳代"},
    {"value": "70plus", "label": "70歳以上"},
]
AREA_CHOICES = [{"value": "north", "label": "北部"}, {"value": "central", "label": "中部"}, {"value": "south", "label": "南部"}]
LIKERT = [
    {"value": "1", "label": "不満"},
    {"value": "2", "label": "やや不満"},
    {"value": "3", "label": "どちらともいえない"},
    {"value": "4", "label": "やや満足"},
    {"value": "5", "label": "満足"},
]
SERVICES = [
    {"value": "apply", "label": "オンライン申請"},
    {"value": "booking", "label": "施設予約"},
    {"value": "cashless", "label": "キャッシュレス決済"},
    {"value": "alerts", "label": "防災・お知らせメール"},
]

SCHEMA = {
    "pages": [
        {
            "key": "about",
            "title": "あなたについて",
            "fields": [
                {"key": "age_group", "type": "radio", "label": "年齢", "choices": AGE_CHOICES},
                {"key": "area", "type": "select", "label": "お住まいの地区", "choices": AREA_CHOICES},
            ],
        },
        {
            "key": "use",
            "title": "オンラインサービスの利用",
            "fields": [
                {
                    "key": "used",
                    "type": "radio",
                    "label": "市のオンラインサービスを使ったことがありますか",
                    "choices": [{"value": "yes", "label": "ある"}, {"value": "no", "label": "ない"}],
                },
                {
                    "key": "which",
                    "type": "checkboxes",
                    "label": "使ったサービス（2つまで）",
                    "choices": SERVICES,
                    "max_choices": 2,
                    "show_if": {"field": "used", "equals": "yes"},
                },
                {
                    "key": "satisfaction",
                    "type": "likert",
                    "label": "オンラインサービスの満足度",
                    "choices": LIKERT,
                    "show_if": {"field": "used", "equals": "yes"},
                },
                {
                    "key": "ease",
                    "type": "matrix",
                    "label": "それぞれの使いやすさ",
                    "rows": [{"value": "phone", "label": "スマートフォンでの操作"}, {"value": "words", "label": "説明のわかりやすさ"}],
                    "choices": [{"value": "good", "label": "よい"}, {"value": "fair", "label": "ふつう"}, {"value": "poor", "label": "わるい"}],
                },
                {"key": "priority", "type": "ranking", "label": "今後、充実してほしい順", "choices": SERVICES, "max_rank": 3},
                {"key": "comment", "type": "textarea", "label": "ご意見・ご要望", "required": False, "max_length": 2000},
            ],
        },
    ]
}


def answers(rng: random.Random) -> dict:
    """One plausible set of answers (as stored after cleaning)."""
    used = rng.random() < 0.7
    out = {
        "age_group": rng.choice(AGE_CHOICES)["value"],
        "area": rng.choice(AREA_CHOICES)["value"],
        "used": "yes" if used else "no",
        "ease": {"phone": rng.choice(["good", "fair", "poor"]), "words": rng.choice(["good", "fair", "poor"])},
        "priority": [s["value"] for s in rng.sample(SERVICES, 3)],
    }
    if used:
        out["which"] = sorted({rng.choice(SERVICES)["value"] for _ in range(2)}, key=[s["value"] for s in SERVICES].index)
        out["satisfaction"] = str(rng.randint(1, 5))
    return out


def make_survey(municipality, section, *, audience=Survey.Audience.OPEN, title=TITLE, **extra) -> Survey:
    today = timezone.localdate()
    fields = {
        "municipality": municipality,
        "section": section,
        "title": title,
        "description": "市のオンラインサービスについて、ご意見をお聞かせください。（架空の自治体のデモです）",
        "easy_description": "しやくしょの インターネットの サービスに ついて、あなたの かんがえを おしえて ください。",
        "schema": SCHEMA,
        "audience": audience,
        "starts_on": today - dt.timedelta(days=3),
        "ends_on": today + dt.timedelta(days=30),
        "is_published": True,
        "results_public": True,
        **extra,
    }
    return Survey(**fields)
