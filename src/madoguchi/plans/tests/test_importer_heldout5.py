"""The general mechanisms added after the fifth round of held-out documents (h15–h18, and h14
kept untouched until then) was first scored, each tested on text unlike those documents: rows of
an HTML table split into cells, a row of bare years with no schedule label, Latin-letter markers
(A. B. (a) ａ．) and other marker families ((ア), ⑴, ❶, ⅰ, 1), a), 〔1〕), more schedule label words (ロードマップ, 実施計画 …), year
ranges and mixed 令和/西暦/FY years in one line, a period printed as 西暦（和暦）, and sections
broken by <br> in a spreadsheet cell."""

from madoguchi.plans.importer import parse
from madoguchi.plans.importer.numbering import split_number
from madoguchi.plans.importer.outline import heading_of
from madoguchi.plans.importer.preview import find_period
from madoguchi.plans.importer.read import html_cells
from madoguchi.plans.importer.schedules import read_inline, year_row


def _items(pv):
    return {it.title: it for it in pv.items.values()}


def _tree(pv):
    return [(node.depth, node.title) for node, _ in pv.walk()]


def _sched(item):
    return [(e.fiscal_year, e.phase) for e in item.schedule]


def test_html_table_rows_become_cells():
    assert html_cells('<tr><th scope="row">所管</th><td class="x">福祉課<br>保険課</td></tr>') == ["所管", "福祉課<br>保険課"]
    assert html_cells("<tr><td>2029</td><td>2030</td>") == ["2029", "2030"]
    assert html_cells("<p>本文の<b>強調</b>です</p>") is None
    assert html_cells("<tr><td>一つだけ</td></tr>") is None


def test_a_row_of_bare_years_without_a_label_is_a_schedule_header():
    assert year_row(["", "2029", "2030", "2031"]).years == {1: 2029, 2: 2030, 3: 2031}
    assert year_row(["令和4年度", "令和6年度"]) is None  # not consecutive
    assert year_row(["区分", "令和4年度", "令和5年度"]) is None  # a label: a statistics table
    assert year_row(["R11 検討", "R12"]) is None


HTML_PLAN = """<h1>しらかば村 情報化アクションプラン</h1>
<p>計画期間：令和11年度から令和13年度まで</p>
<h2>柱Ａ　村民の手続</h2>
<h3>A-1　子育て</h3>
<p>(a) 児童手当の電子申請</p>
<table>
<tr><th>所管課</th><td>子育て支援室<br>住民係</td></tr>
<tr><th>2029年度</th><th>2030年度</th><th>2031年度</th></tr>
<tr><td>研究</td><td>&rArr;</td><td>稼働</td></tr>
</table>
<p>(b) 健診予約のオンライン化</p>
<table>
<tr><th>所管課</th><td>保健係</td></tr>
<tr><td>2029年度</td><td>2030年度</td><td>2031年度</td></tr>
<tr><td>選定</td><td>開発</td><td>稼働</td></tr>
</table>
<h2>柱Ｂ　村の事務</h2>
<h3>B-1　会計</h3>
<p>(a) 電子契約の導入</p>
<table>
<tr><th>所管課</th><td>出納室</td></tr>
<tr><th>2029年度</th><th>2030年度</th><th>2031年度</th></tr>
<tr><td></td><td>実証</td><td>稼働</td></tr>
</table>
"""


def test_latin_markers_nest_and_html_year_rows_give_the_schedule():
    pv = parse(HTML_PLAN.encode(), "shirakaba.html")
    assert _tree(pv) == [(0, "村民の手続"), (1, "子育て"), (0, "村の事務"), (1, "会計")]
    items = _items(pv)
    assert items["児童手当の電子申請"].sections == ["子育て支援室", "住民係"]
    assert _sched(items["児童手当の電子申請"]) == [(2029, "research"), (2031, "operate")]
    assert items["児童手当の電子申請"].schedule[0].continues
    assert _sched(items["健診予約のオンライン化"]) == [(2029, "prepare"), (2030, "build"), (2031, "operate")]
    assert _sched(items["電子契約の導入"]) == [(2030, "trial"), (2031, "operate")]
    assert (pv.start_year, pv.end_year) == (2029, 2031)


def test_figures_under_bare_years_are_not_a_schedule():
    text = (
        "みさき市 DX計画\n(1) 窓口\nア 電子申請\n担当課：市民課\n令和4年度\t令和5年度\t令和6年度\n1200\t1800\t2500\n"
        "イ 窓口予約\n担当課：市民課\n令和7年度\t令和8年度\n検討\t導入\n"
        "(2) 広報\nア 広報紙の電子化\n担当課：広報課\n"
    )
    items = _items(parse(text.encode(), "misaki.txt"))
    assert items["電子申請"].schedule == [] and items["電子申請"].sections == ["市民課"]
    assert _sched(items["窓口予約"]) == [(2025, "study"), (2026, "build")]


def test_latin_letter_markers_are_split_from_titles_but_words_are_not():
    assert split_number("Ｃ．人材の育成") == ("C", "人材の育成")
    assert split_number("(c) 研修") == ("(c)", "研修")
    assert split_number("D-3 電子図書館") == ("D-3", "電子図書館")
    assert split_number("AI議事録") == ("", "AI議事録")
    assert split_number("e-Taxの利用促進") == ("", "e-Taxの利用促進")
    assert split_number("2 人材の育成") == ("2", "人材の育成")  # a space: 人 starts the title
    assert split_number("5人") == ("", "5人")
    h = heading_of(["ｃ．窓口の改善"], 0, "")
    assert (h.family, h.number, h.title) == ("latin_lower", "c", "窓口の改善")
    assert heading_of(["(c) 窓口"], 0, "").family == "paren_latin"  # not the (1) family
    assert heading_of(["【領域C】暮らし"], 0, "").title == "暮らし"
    assert heading_of(["IoTの活用"], 0, "") is None


ROADMAP = """ならやま町 DX実行計画
Ｃ．窓口
ｃ．証明書の郵送請求のオンライン化
主管課：戸籍係
実施計画
R11	R12	R13
調査	設計	稼働
ｄ．窓口の混雑の見える化
主管課：戸籍係
ロードマップ：2029年度 試験　2030〜2031 稼働
Ｄ．内部
ｃ．庁内チャットの導入
主管課：情報係
【行程表】FY2029 準備／FY2030～ 展開
"""


def test_schedule_label_words_and_year_ranges():
    pv = parse(ROADMAP.encode(), "narayama.txt")
    items = _items(pv)
    assert _tree(pv) == [(0, "窓口"), (0, "内部")]
    assert _sched(items["証明書の郵送請求のオンライン化"]) == [(2029, "research"), (2030, "prepare"), (2031, "operate")]
    assert _sched(items["窓口の混雑の見える化"]) == [(2029, "trial"), (2030, "operate"), (2031, "operate")]
    # 「FY2030～」 open, and no period printed: the range is its first year (展開 = rolled out)
    assert _sched(items["庁内チャットの導入"]) == [(2029, "prepare"), (2030, "expand")]


def test_inline_years_mixed_and_ranged():
    got = read_inline("H30〜R1 研究、2020（R2）年度 開発、令和3（2021）年度～ 稼働", end_year=2023)
    assert [(e.fiscal_year, e.phase) for e in got] == [
        (2018, "research"),
        (2019, "research"),
        (2020, "build"),
        (2021, "operate"),
        (2022, "operate"),
        (2023, "operate"),
    ]
    # numbers with units are not years; an open range without a known end is its first year
    assert [(e.fiscal_year, e.phase) for e in read_inline("令和12年度 2000件の受付を目標に稼働 ～")] == [(2030, "operate")]
    assert [(e.fiscal_year, e.phase) for e in read_inline("R12～ 稼働")] == [(2030, "operate")]


def test_period_printed_western_with_era_in_brackets():
    assert find_period("計画期間　2027年度(令和9年度)〜2031年度(令和13年度)") == (2027, 2031)
    assert find_period("計画期間　2027年度（令和9年度）から2031年度（令和13年度）まで") == (2027, 2031)


SHEET = "基本方針\t事業名\t担当課\t令和11年度\t令和12年度\n1 くらし\t予約の電子化\t市民課<br>IT推進課\t導入\t運用\n\t窓口の改善\t市民課\t検討\t試行\n"


def test_sections_broken_by_br_in_a_spreadsheet_cell_are_two():
    pv = parse(SHEET.encode(), "sheet.tsv")
    assert _items(pv)["予約の電子化"].sections == ["市民課", "IT推進課"]


FAMILIES = """こまち町 情報化計画
計画期間 令和9年度～令和11年度
〔1〕くらし
⑴ 窓口
(ア) 転入手続の電子化
担当課：住民係
スケジュール：R9 検討、R10 導入
(イ) 窓口の予約
担当課：住民係
スケジュール：R9 試行
⑵ 子育て
(ア) 保育の電子申請
担当課：こども係
スケジュール：R10 稼働
〔2〕しごと
⑴ 内部事務
(ア) 電子決裁
担当課：総務係
スケジュール：R9〜R11 運用
"""


def test_more_marker_families_nest():
    pv = parse(FAMILIES.encode(), "komachi.txt")
    assert _tree(pv) == [(0, "くらし"), (1, "窓口"), (1, "子育て"), (0, "しごと"), (1, "内部事務")]
    items = _items(pv)
    assert _sched(items["転入手続の電子化"]) == [(2027, "study"), (2028, "build")]
    assert [(p.number, pv.items[p.item_key].title) for n, _ in pv.walk() if n.title == "窓口" for p in n.placements] == [
        ("(ア)", "転入手続の電子化"),
        ("(イ)", "窓口の予約"),
    ]
    # ❶ and ① are two families (two levels), as are 1) and (1), and ⅰ and I
    fams = {heading_of([t], 0, "").family for t in ["❶ 窓口", "① 窓口", "1) 窓口", "(1) 窓口", "⑴ 窓口", "ⅰ 窓口", "I 窓口"]}
    assert fams == {"black_circled", "circled", "half_paren", "paren", "small_roman", "roman"}
    assert split_number("⑶ 広報") == ("(3)", "広報") and split_number("（ウ）広報") == ("(ウ)", "広報")
