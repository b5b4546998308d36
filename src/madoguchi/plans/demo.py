"""Demo data: the three real seed plans as examples under their real municipalities, and a
small plan for the fictional demo city. Nothing invented is presented as a real statistic: the
demo city's reports describe activities only, and its indicator actuals come from the
platform's own (demo) data through bound metrics."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from madoguchi.core.models import Municipality, Section
from madoguchi.core.wareki import fiscal_year

from .conf import seeds_dir
from .importer import parse, save_preview
from .models import Indicator, Item, ItemSection, Node, Placement, Plan, ProgressReport, ScheduleEntry

# prefix of the seed file → the real municipality (全国地方公共団体コード with check digit)
SEED_MUNICIPALITIES = {
    "001": ("あきる野市", "132284", "あきるのし"),
    "002": ("武蔵野市", "132039", "むさしのし"),
    "003": ("国分寺市", "132144", "こくぶんじし"),
}


def load_seed_plans() -> list[Plan]:
    folder = seeds_dir()
    if folder is None:
        return []
    plans = []
    for prefix, (name, code, kana) in SEED_MUNICIPALITIES.items():
        path = next(folder.glob(f"{prefix}_*.txt"), None)
        if path is None:
            continue
        muni, _ = Municipality.objects.get_or_create(code=code, defaults=dict(name=name, name_kana=kana, prefecture="東京都", is_default=False))
        result = save_preview(parse(path.read_bytes(), path.name), muni, source_name=path.name, is_example=True)
        plans.append(result.plan)
    return plans


# (number, title, lead section, related sections, theme words, schedule by offset from the first year, metric)
DEMO_ITEMS = [
    ("1", "オンライン申請できる手続の拡大", "情報政策課", ["市民課", "子育て支援課"], {0: "検討・調達", 1: "構築", 2: "運用"}, "online_procedures"),
    ("2", "窓口・施設使用料のキャッシュレス決済", "市民課", ["生涯学習スポーツ課"], {0: "調査研究", 1: "試行", 2: "拡充"}, ""),
    ("3", "公共施設予約のオンライン化", "生涯学習スポーツ課", ["情報政策課"], {0: "準備", 1: "運用"}, "online_booking_share"),
    ("4", "防災・お知らせ配信の登録促進", "防災安全課", [], {0: "運用"}, "alert_subscribers"),
    ("5", "オープンデータの公開拡大", "情報政策課", [], {0: "検討", 2: "運用"}, "open_datasets"),
    ("6", "職員の情報セキュリティ研修", "情報政策課", ["総務課"], {0: "実施・改善"}, ""),
]


def load_demo_plan(municipality: Municipality) -> Plan:
    start = fiscal_year(dt.date.today()) - 1
    plan, _ = Plan.objects.update_or_create(
        municipality=municipality,
        title=f"{municipality.name}DX推進計画（デモ）",
        defaults=dict(
            kind=Plan.Kind.PROMOTION, status=Plan.Status.ADOPTED, start_year=start, end_year=start + 3, level_names=["基本方針", "取組"], is_public=True
        ),
    )
    policies = [("1", "便利な行政サービス"), ("2", "安全で効率的な市役所")]
    nodes = {}
    for order, (number, title) in enumerate(policies):
        nodes[number], _ = Node.objects.update_or_create(plan=plan, key=number, defaults=dict(number=number, title=title, depth=0, order=order))
    for order, (number, title, lead, related, schedule, metric) in enumerate(DEMO_ITEMS):
        item, _ = Item.objects.update_or_create(
            plan=plan, key=f"item:{number}", defaults=dict(number=number, title=title, order=order, sections_text="、".join([lead, *related]))
        )
        for idx, name in enumerate([lead, *related]):
            section = Section.objects.filter(municipality=municipality, name=name).first()
            if section:
                ItemSection.objects.update_or_create(item=item, section=section, defaults=dict(is_lead=idx == 0, order=idx))
        node = nodes["2" if number == "6" else "1"]
        Placement.objects.update_or_create(item=item, node=node, defaults=dict(number=number, order=order))
        item.schedule.all().delete()
        from .importer.phases import normalise_phase

        offsets = sorted(schedule)
        for i, offset in enumerate(offsets):
            text = schedule[offset]
            nxt = offsets[i + 1] if i + 1 < len(offsets) else None
            ScheduleEntry.objects.create(item=item, fiscal_year=start + offset, phase_text=text, phase=normalise_phase(text), continues=nxt != offset + 1)
        if metric:
            Indicator.objects.update_or_create(item=item, name=title + "の実績", defaults=dict(kind=Indicator.Kind.ACTIVITY, metric=metric))
    # Two reports for last year: one accepted, one returned — the cycle in both directions.
    admin = get_user_model().objects.filter(is_platform_admin=True).first()
    first = Item.objects.get(plan=plan, key="item:1")
    ProgressReport.objects.update_or_create(
        item=first,
        fiscal_year=start,
        defaults=dict(
            status=ProgressReport.Status.ACCEPTED,
            rating="mostly",
            direction="expand",
            done="オンライン化する手続の候補を各課と洗い出し、調達の仕様をまとめた。（デモの記述）",
            next_plan="申請フォームを構築し、受付を始める。",
            reviewed_by=admin,
            review_comment="確認しました。",
        ),
    )
    second = Item.objects.get(plan=plan, key="item:2")
    ProgressReport.objects.update_or_create(
        item=second,
        fiscal_year=start,
        defaults=dict(
            status=ProgressReport.Status.RETURNED,
            rating="partly",
            done="決済方法の調査を行った。（デモの記述）",
            review_comment="試行の予定時期を追記してください。",
        ),
    )
    return plan


def load(municipality: Municipality) -> None:
    if municipality.is_default:
        # The seed documents are other (real) cities' plans, kept as import examples: written
        # with no city active, once.
        from madoguchi.core import tenancy

        with tenancy.using(None, database=True):
            load_seed_plans()
    load_demo_plan(municipality)
    from .services import fill_bound_indicators

    fill_bound_indicators(fiscal_year(dt.date.today()))
