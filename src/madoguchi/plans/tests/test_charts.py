"""Issue #12 item 11: the dashboard, the evaluation and the indicator pages show charts (SVG
with an accessible name) whose data tables carry the same numbers as the page's figures."""

import re
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse

from madoguchi.plans import services
from madoguchi.plans.demo import load_demo_plan
from madoguchi.plans.models import Indicator, IndicatorValue, Item, ProgressReport

from .conftest import staff_login

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plan(org):
    return load_demo_plan(org["muni"])


def figures(html: str) -> dict[str, tuple[ET.Element, list[tuple[str, list[str]]]]]:
    """Each chart figure of a page by its title: the parsed SVG and its table's rows."""
    found = {}
    for block in re.findall(r'<figure class="chart.*?</figure>', html, re.S):
        svg = ET.fromstring(re.search(r"<svg.*?</svg>", block, re.S).group(0))
        rows = []
        for tr in re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", block, re.S):
            rows.append((tr[0], re.findall(r'<td class="chart__cell">(.*?)</td>', tr[1])))
        found[svg.find(f"{SVG}title").text] = (svg, rows)
    return found


def test_dashboard_charts_match_the_figures(client, org, plan):
    year = plan.start_year
    item = Item.objects.get(plan=plan, number="1")
    ind = Indicator.objects.create(item=item, name="手続のオンライン化率", unit="%", target=Decimal(80))
    IndicatorValue.objects.create(indicator=ind, fiscal_year=year, value=Decimal(40))
    staff_login(client, org["users"]["ip"])
    html = client.get(reverse("plans:dashboard", args=[plan.pk]) + f"?year={year}").content.decode()
    charts = figures(html)
    fy = f"令和{year - 2018}年度"
    data = services.dashboard(plan, year)

    svg, rows = charts[f"{fy}の段階別の取組数"]
    assert svg.get("role") == "img" and svg.get("aria-labelledby")
    assert rows == [(label, [f"{n}件"]) for label, n in data["phases"]]
    _svg, rows = charts[f"{fy}の達成状況別の取組数"]
    assert rows == [(label, [f"{n}件"]) for label, n in data["ratings"]]
    _svg, rows = charts[f"{fy}の進捗報告の状況"]
    reports = ProgressReport.objects.filter(item__plan=plan, fiscal_year=year).count()
    assert dict(rows)["未作成"] == [f"{plan.items.count() - reports}件"]
    _svg, rows = charts[f"{fy}の指標の達成率（実績÷目標）"]
    assert rows == [(f"1 {ind.name}", ["50%"])]

    svg, rows = charts[f"{plan.title}のスケジュール"]
    bars = [r.find(f"{SVG}title").text for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert bars and all(text.split(":")[0] in {label for label, _cells in rows} for text in bars)
    assert len(rows[0][1]) == len(plan.years)  # one column per fiscal year of the plan


def test_dashboard_charts_are_scoped_to_the_sections_items(client, org, plan):
    staff_login(client, org["users"]["shimin"])
    html = client.get(reverse("plans:dashboard", args=[plan.pk])).content.decode()
    assert "<svg" in html and "公共施設予約" not in html  # the timeline has only 市民課's items


def test_evaluation_charts_count_the_table(client, org, plan):
    staff_login(client, org["users"]["ip"])
    html = client.get(reverse("plans:evaluation", args=[plan.pk])).content.decode()
    charts = figures(html)
    rows = services.evaluation_rows(plan)
    _svg, by_rating = charts["達成状況別の取組数（最新の報告）"]
    total = sum(int(cells[-1].rstrip("件")) for _label, cells in by_rating)
    assert total == len(rows)  # every item once: confirmed + unconfirmed + no report
    unreported = sum(1 for r in rows if not r[4])
    assert dict(by_rating)["報告なし"][-1] == f"{unreported}件"
    _svg, by_direction = charts["今後の方向性別の取組数"]
    assert sum(int(cells[0].rstrip("件")) for _label, cells in by_direction) == len(rows)


def test_indicator_page_draws_actuals_against_target(client, org, plan):
    item = Item.objects.get(plan=plan, number="1")
    ind = Indicator.objects.create(item=item, name="電子申請の件数", unit="件", target=Decimal(500), target_year=plan.end_year)
    for offset, value in [(0, 120), (2, 300)]:
        IndicatorValue.objects.create(indicator=ind, fiscal_year=plan.start_year + offset, value=Decimal(value))
    staff_login(client, org["users"]["ip"])
    html = client.get(reverse("plans:item", args=[item.pk])).content.decode()
    svg, rows = figures(html)["電子申請の件数の実績と目標"]
    assert [r[0] for r in rows] == [f"令和{y - 2018}年度" for y in plan.years]
    assert rows[0][1] == ["120件", "500件"] and rows[1][1] == ["—", "500件"] and rows[2][1] == ["300件", "500件"]
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "120件" in labels and "300件" in labels and f"目標（令和{plan.end_year - 2018}年度） 500件" in labels
