"""The one chart mechanism (core.charts): valid SVG with an accessible name, series told apart
without colour, and a data table with the very numbers the picture shows."""

from decimal import Decimal
from xml.etree import ElementTree as ET

from django.template import Context, Template

from madoguchi.core.charts import BarChart, LineChart, Series, Timeline, TimelineBar, TimelineRow, format_number

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    return ET.fromstring(str(chart.svg()))


def texts(root) -> list[str]:
    return [t.text for t in root.iter(f"{SVG}text")]


def assert_accessible(root, chart):
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    assert by_id[title_id].tag == f"{SVG}title" and by_id[title_id].text == chart.title
    assert by_id[desc_id].tag == f"{SVG}desc" and by_id[desc_id].text
    assert root.get("viewBox").startswith("0 0 340 ")
    assert "style" not in {a for el in root.iter() for a in el.attrib}  # strict CSP: attributes only


def test_format_number():
    assert format_number(1234) == "1,234"
    assert format_number(Decimal("12.50"), "%") == "12.5%"
    assert format_number(Decimal("3.00"), "件") == "3件"
    assert format_number(None, "件") == "—"


def test_single_bar_chart_shows_the_numbers_of_its_table():
    chart = BarChart(
        title="段階別の取組数 <R8>", categories=["検討", "構築", "予定なし"], series=[Series("取組数", [3, 5, 0])], unit="件", category_label="段階"
    )
    root = parse(chart)  # the < > of the title are escaped: still valid XML
    assert_accessible(root, chart)
    table = chart.table()
    assert table.corner == "段階" and table.columns == ("取組数",)
    assert [row[0] for row in table.rows] == ["検討", "構築", "予定なし"]
    shown = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert shown == [cells[0] for _label, cells in table.rows] == ["3件", "5件", "0件"]
    assert {"検討", "構築", "予定なし"} <= set(texts(root))  # labels are text, not colour
    assert "検討: 3件" in chart.summary() or "検討: 3件" in root.find(f"{SVG}desc").text


def test_stacked_bars_differ_by_pattern_and_total_in_table():
    series = [Series("オンライン", [4, 0]), Series("窓口", [2, 3]), Series("API", [1, 0])]
    chart = BarChart(title="受付方法別", categories=["4月", "5月"], series=series, unit="件", category_label="月")
    root = parse(chart)
    assert_accessible(root, chart)
    patterns = [p.get("id") for p in root.iter(f"{SVG}pattern")]
    assert len(patterns) == 2 and len(set(patterns)) == 2  # solid, then a distinct pattern each
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None}
    assert len(fills) == 3
    assert {"オンライン", "窓口", "API"} <= set(texts(root))  # legend
    table = chart.table()
    assert table.columns == ("オンライン", "窓口", "API", "合計")
    assert table.rows[0] == ("4月", ("4件", "2件", "1件", "7件"))
    totals = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert totals == [cells[-1] for _label, cells in table.rows] == ["7件", "3件"]
    segment_titles = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert "窓口: 2件" in segment_titles and "API: 0件" not in segment_titles  # a zero draws nothing


def test_line_chart_actuals_against_target():
    chart = LineChart(
        title="電子申請の件数の実績と目標",
        periods=["令和8年度", "令和9年度", "令和10年度"],
        short_periods=["R8", "R9", "R10"],
        series=[Series("実績", [Decimal(120), None, Decimal("300.5")])],
        target=Decimal(500),
        unit="件",
        period_label="年度",
    )
    root = parse(chart)
    assert_accessible(root, chart)
    table = chart.table()
    assert table.columns == ("実績", "目標")
    assert table.rows[1] == ("令和9年度", ("—", "500件"))
    labelled = [t.text for t in root.iter(f"{SVG}text") if t.get("font-weight") == "bold"]
    assert labelled == [cells[0] for _p, cells in table.rows if cells[0] != "—"] == ["120件", "300.5件"]
    assert "目標 500件" in texts(root)
    assert root.findall(f".//{SVG}path[@stroke-width='2.5']") == []  # the gap breaks the line: no segment
    desc = root.find(f"{SVG}desc").text
    assert "令和8年度 120件" in desc and "目標: 500件" in desc


def test_timeline_spans_years_and_table_reads_each_cell():
    chart = Timeline(
        title="計画のスケジュール",
        periods=["令和8年度", "令和9年度", "令和10年度"],
        rows=[TimelineRow("1 窓口のオンライン化", [TimelineBar(0, 1, "検討", 0), TimelineBar(2, 2, "構築", 1)])],
        kinds=["検討・調査", "準備・構築"],
        row_label="取組",
    )
    root = parse(chart)
    assert_accessible(root, chart)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.find(f"{SVG}title").text for r in bars] == [
        "1 窓口のオンライン化: 令和8年度〜令和9年度 検討",
        "1 窓口のオンライン化: 令和10年度〜令和10年度 構築",
    ]
    assert float(bars[0].get("width")) > float(bars[1].get("width"))  # two years against one
    assert bars[0].get("fill") != bars[1].get("fill")
    assert chart.table().rows == (("1 窓口のオンライン化", ("検討", "検討（継続）", "構築")),)
    assert {"検討・調査", "準備・構築", "令和8年度", "検討", "構築"} <= set(texts(root))


def test_template_tag_gives_figure_with_table_one_click_away():
    a = BarChart(title="A", categories=["x"], series=[Series("n", [1])])
    b = BarChart(title="B", categories=["x"], series=[Series("n", [2]), Series("m", [3])])
    html = Template("{% load charts %}{% chart a %}{% chart b %}{% chart none %}").render(Context({"a": a, "b": b, "none": None}))
    assert html.count("<figure") == 2 and html.count("<details") == 2 and html.count("<table") == 2
    assert "数値を表で見る" in html and '<th scope="row">x</th>' in html
    assert a.chart_id != b.chart_id and f'id="{b.chart_id}-p1"' in html
    ids = [part.split('"')[0] for part in html.split(' id="')[1:]]
    assert len(ids) == len(set(ids))  # ids unique on the page
