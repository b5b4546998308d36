"""The importer on the three seed documents and on synthetic variants of the same families."""

import csv
import io

import openpyxl
import pytest

from madoguchi.plans.importer import PlanImportError, parse, save_preview
from madoguchi.plans.importer.clean import clean
from madoguchi.plans.importer.numbering import split_number
from madoguchi.plans.importer.phases import normalise_phase
from madoguchi.plans.models import Item, Node, Placement, ScheduleEntry

from .conftest import seed


def test_cleaning():
    assert clean("全庁横断的にD Xに取り組む") == "全庁横断的にDXに取り組む"
    assert clean("最高情報責任者（C I O）補佐官") == "最高情報責任者（CIO）補佐官"
    assert clean("A I - O C R の導入") == "AI-OCRの導入"
    assert clean("Artificial Intelligence の略") == "Artificial Intelligenceの略"  # words stay apart
    assert clean('<ul style="x"> 行政手続 </ul>') == "行政手続"
    assert clean("③デジタルバйдへの対策") == "③デジタルバイドへの対策"
    assert clean("各機能の調 査・検討 計画策定") == "各機能の調査・検討 計画策定"  # phrases stay apart
    assert clean("交付から10年経 過") == "交付から10年経過"
    assert split_number("(1)いつでも") == ("(1)", "いつでも")
    assert split_number("①便利なサービス") == ("①", "便利なサービス")
    assert split_number("Ⅱ-1-(2)① 施策") == ("Ⅱ-1-(2)①", "施策")
    assert split_number("1-工") == ("1-エ", "")
    assert split_number("10月に開始") == ("", "10月に開始")
    assert normalise_phase("調達・構築") == "build"
    assert normalise_phase("適用※検証結果次第") == "operate"
    assert normalise_phase("調査研究 ※効果が見込まれるものは早期に試行") == "research"
    assert normalise_phase("検討・情報収集") == "research"


def test_table_seed_002():
    pv = parse(seed("002"), "002.txt")
    assert pv.family == "table"
    assert pv.title.startswith("武蔵野市DX推進計画")
    assert len(pv.placements) == 56
    assert len(pv.roots) == 5
    assert [r.title for r in pv.roots][0] == "市民・職員目線の市民サービス"
    assert pv.level_names == ["基本方針・基本施策", "施策", "取組み", "事業"]
    assert (pv.start_year, pv.end_year) == (2026, 2030)
    items = {it.number: it for it in pv.items.values()}
    assert items["2"].sections[:2] == ["市民活動推進課", "情報政策課"] and items["2"].all_sections
    assert items["3"].schedule[0].phase_text == "調査・構築" and items["3"].schedule[1].fiscal_year == 2027
    # 再掲 rows are placements of the same item.
    relisted = [p for p in pv.placements if p.is_relisting]
    assert {p.number for p in relisted} == {"16", "17", "41", "50"}
    assert next(p for p in relisted if p.number == "16").item_key == items["12"].key
    # The third header block is shifted by one column: No.29 starts in 令和8年度.
    assert items["29"].schedule[0].fiscal_year == 2026
    assert items["29"].schedule[1].fiscal_year == 2029 and items["29"].schedule[1].phase_text == "調達・運用"
    assert any("ずれて" in n for n in pv.notes)
    # HTML fragments are gone from descriptions.
    assert "<" not in items["1"].description and "オンライン化" in items["1"].description
    # The relisting that names a branch without the item is reported, not silently merged.
    assert any("36" in p.where or "51行目" in p.where for p in pv.problems)


def test_blocks_seed_003():
    pv = parse(seed("003"), "003.txt")
    assert pv.family == "blocks"
    assert pv.title == "国分寺市行政デジタル化推進計画"
    assert [r.number for r in pv.roots] == ["1", "2", "3", "4", "5"]
    assert len(pv.items) == 13
    numbers = [p.number for p in pv.placements]
    assert numbers == ["1-ア", "1-イ", "1-ウ", "1-エ", "2-ア", "2-イ", "2-ウ", "3-ア", "3-イ", "3-ウ", "4-ア", "4-イ", "5"]
    items = {it.number: it for it in pv.items.values()}
    a = items["1-ア"]
    assert a.title == "行政手続のオンライン化"
    assert "スマートフォン" in a.goal and a.current_state and a.issues and a.process
    assert [i.kind for i in a.indicators].count("outcome") == 2
    assert a.schedule[0].fiscal_year == 2021 and a.schedule[0].phase_text == "検討"
    assert items["4-イ"].indicators[-1].name == "情報セキュリティ研修受講者の割合"
    assert sum(1 for it in pv.items.values() if it.schedule) == 12  # 4-ア's chart has no text
    assert (pv.start_year, pv.end_year) == (2021, 2024)
    assert any("274行目" in p.where for p in pv.problems)


def test_prose_seed_001():
    pv = parse(seed("001"), "001.txt")
    assert pv.family == "prose"
    assert pv.status == "draft" and pv.kind == "policy"
    assert (pv.start_year, pv.end_year) == (2023, 2025)
    directions = next(r for r in pv.roots if r.title == "取組の方向性")
    assert [c.title for c in directions.children] == ["市民サービスの利便性の向上", "行政事務のクオリティの向上", "情報セキュリティ対策の推進"]
    assert len(pv.items) == 11
    titles = [it.title for it in pv.items.values()]
    assert titles[0] == "自治体情報システムの標準化・共通化" and titles[-1] == "情報システムの適切かつ効率的な運用"
    reasons = " ".join(p.reason for p in pv.problems)
    assert "担当課" in reasons and "スケジュール" in reasons and "指標" in reasons


def test_save_and_reimport_updates(city):
    pv = parse(seed("002"), "002.txt")
    first = save_preview(pv, city, source_name="002.txt")
    assert first.created and first.items == 52 and first.placements == 56
    assert "情報政策課" in first.sections_created
    counts = (Node.objects.count(), Item.objects.count(), Placement.objects.count(), ScheduleEntry.objects.count())
    second = save_preview(parse(seed("002"), "002.txt"), city)
    assert not second.created and not second.sections_created
    assert (Node.objects.count(), Item.objects.count(), Placement.objects.count(), ScheduleEntry.objects.count()) == counts
    item = Item.objects.get(plan=first.plan, number="12")
    assert item.placements.count() == 2
    assert item.lead_section.name == "秘書広報課" and item.all_sections


HEADER = ["番号", "基本目標", "施策", "取組名", "所管課", "令和6年度", "令和7年度", "令和8年度"]
DATA = [
    ["1", "1 便利な市役所", "(1)手続のオンライン化", "電子申請の拡大", "市民課、情報政策課", "検討", "構築", "運用"],
    ["2", "", "", "キャッシュレス決済の導入（再掲）", "会計課", "", "", ""],
    ["3", "2 安全な情報基盤", "(1)セキュリティ", "キャッシュレス決済の導入", "会計課", "準備", "", ""],
]


def _csv(rows, encoding):
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_encodings_and_other_labels(encoding):
    pv = parse(_csv([["みどり野市DX推進計画"], [], HEADER, *DATA], encoding), "plan.csv")
    assert pv.title == "みどり野市DX推進計画"
    assert [r.title for r in pv.roots] == ["便利な市役所", "安全な情報基盤"]
    assert len(pv.placements) == 3 and len(pv.items) == 2
    first = next(iter(pv.items.values()))
    assert first.sections == ["市民課", "情報政策課"]
    assert [(e.fiscal_year, e.phase) for e in first.schedule] == [(2024, "study"), (2025, "build"), (2026, "operate")]
    # the relisting placed under 便利な市役所 is the item of row 3
    relist = next(p for p in pv.placements if p.is_relisting)
    assert pv.items[relist.item_key].number == "3"


def test_shifted_header_and_two_row_header_in_xlsx():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "計画"
    ws.append(["テスト町情報化推進計画"])
    ws.append(["", "", "", "", "事業内容", "", "スケジュール"])
    ws.append(["No.", "基本方針", "取組", "担当課", "", "", "R6年度", "R7年度"])  # years one column right
    ws.append([1, "Ⅰ くらし", "① 電子申請", "住民課", "説明", "検討", "運用", None])
    ws.append([2, "Ⅰ くらし", "② 防災メール", "防災課", "説明", "調査", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    pv = parse(buf.getvalue(), "plan.xlsx")
    assert pv.title == "テスト町情報化推進計画"
    items = list(pv.items.values())
    assert items[0].schedule[0].fiscal_year == 2024 and items[0].schedule[1].phase_text == "運用"
    assert items[0].description == "説明"
    assert pv.roots[0].number == "Ⅰ" and pv.roots[0].title == "くらし"
    assert items[0].title == "電子申請" and items[0].number == "1"


def test_label_blocks_variant_with_other_labels():
    text = "\n".join(
        [
            "架空市DX推進計画",
            "",
            "基本方針 1 便利な手続",
            "手続を便利にします。",
            "No.\t1-(1)",
            "取組の方向性\t<p>■電子申請の拡大</p><p>説明文</p>",
            "担当課\t市民課、各課",
            "現状\t紙の申請が多い",
            "課題\t人手が足りない",
            "成果指標\t《成果指標》 ・電子申請の割合",
            "スケジュール\t令和6年度\t令和7年度",
            "\t検討\t運用",
        ]
    )
    pv = parse(text.encode("utf-8"), "plan.txt")
    assert pv.family == "blocks" and pv.level_names[0] == "基本方針"
    item = next(iter(pv.items.values()))
    assert item.title == "電子申請の拡大" and item.sections == ["市民課"] and item.all_sections
    assert item.indicators[0].kind == "outcome" and item.indicators[0].unit == "%"
    assert [e.phase for e in item.schedule] == ["study", "operate"]


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "空"),
        (b"%PDF-1.7\n...", "PDF"),
        (b"PK\x03\x04broken", "壊れて"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xlsx"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 100, "JPG"),
        (b"\x81\xff\x82\xfe\x80abc", "文字コード"),
    ],
)
def test_unreadable_files_get_a_japanese_message(data, message):
    with pytest.raises(PlanImportError) as exc:
        parse(data, "x.xlsx")
    assert message in str(exc.value)


def test_prose_variant_with_items_under_directions():
    text = "\n".join(
        [
            "# 架空町情報化基本計画",
            "計画期間は令和6年度から令和10年度までとします。",
            "第1章 計画の概要",
            "本町の情報化の考え方。",
            "第2章 基本方針",
            "(1) 便利な町役場",
            "手続を便利にします。",
            "① 電子申請の拡大",
            "申請をオンラインでできるようにします。",
            "② キャッシュレス決済",
            "(2) 安全な情報基盤",
            "ア 情報セキュリティ研修",
        ]
    )
    pv = parse(text.encode("cp932"), "plan.txt")
    assert pv.family == "prose" and (pv.start_year, pv.end_year) == (2024, 2028) and pv.kind == "basic"
    directions = pv.roots[0].children
    assert [d.title for d in directions] == ["便利な町役場", "安全な情報基盤"]
    assert [pv.items[p.item_key].title for p in directions[0].placements] == ["電子申請の拡大", "キャッシュレス決済"]
    assert pv.items[directions[1].placements[0].item_key].title == "情報セキュリティ研修"
    assert any("計画の概要" in n for n in pv.notes)


def test_bare_year_headers_and_marks():
    rows = [["No.", "施策", "取組名", "担当課", "R6", "R7", "R8"], ["1", "(1)窓口", "書かない窓口", "市民課", "○", "○", "拡充"]]
    pv = parse(_csv(rows, "utf-8"), "x.csv")
    item = next(iter(pv.items.values()))
    assert [e.fiscal_year for e in item.schedule] == [2024, 2025, 2026]


def test_table_variant_heisei_years_other_levels_and_offset_columns():
    """An unseen city's TSV: two empty leading columns, levels 重点目標 → 推進項目 → 事業名,
    平成 columns spanning the era change, a repeated header block, HTML and a 再掲 row."""
    header = ["", "", "通番", "重点目標", "推進項目", "事業名", "所管部署", "関係部署", "平成30年度", "平成31年度", "令和2年度"]
    rows = [
        ["○○町地域情報化計画"],
        ["計画期間は平成30年度から令和2年度までの3年間とします。"],
        header,
        ["", "", "1", "Ⅰ 行政サービス", "1-(1) 電子申請", "<p>電子申請サービスの導入</p>", "総務課", "住民課", "調査研究", "", "運用"],
        ["", "", "2", "", "", "コンビニ交付", "住民課", "", "検討", "構築", "運用"],
        [],
        header,
        ["", "", "3", "Ⅱ 情報基盤", "2-(1) セキュリティ", "職員研修", "総務課", "各課", "実施", "", ""],
        ["", "", "4", "", "", "電子申請サービスの導入（再掲）", "総務課", "", "", "", ""],
    ]
    data = "\n".join("\t".join(r) for r in rows).encode("utf-8")
    pv = parse(data, "unknown.tsv")
    assert pv.family == "table"
    assert (pv.start_year, pv.end_year) == (2018, 2020)
    assert [r.title for r in pv.roots] == ["行政サービス", "情報基盤"]
    assert pv.roots[0].children[0].number == "1-(1)"
    assert len(pv.items) == 3 and len(pv.placements) == 4
    items = {it.number: it for it in pv.items.values()}
    first = items["1"]
    assert first.title == "電子申請サービスの導入"
    assert first.sections[0] == "総務課" and "住民課" in first.sections
    # the empty 平成31年度 cell means 調査研究 continues; 運用 runs on past the plan
    assert [(e.fiscal_year, e.phase, e.continues) for e in first.schedule] == [(2018, "research", True), (2020, "operate", True)]
    assert [e.fiscal_year for e in items["2"].schedule] == [2018, 2019, 2020]
    assert items["3"].all_sections
    relist = next(p for p in pv.placements if p.is_relisting)
    assert relist.item_key == first.key


def test_label_blocks_variant_heisei_and_other_labels():
    """A label⇥value document of another city: 基本目標 headings, 番号 / 取組名 / 所管課 labels,
    平成 schedule columns and separate 活動指標 / 成果指標 rows."""
    text = "\n".join(
        [
            "△△市情報化推進計画",
            "計画期間 平成29年度～平成31年度",
            "",
            "基本目標 1 つながる行政",
            "No.\t1-ア",
            "取組の方向性\t■ マイナンバーカードの活用",
            "担当課\t市民課",
            "現状\t交付率が低い",
            "課題\t周知が必要",
            "活動指標\t《活動指標》 ・出張申請の回数",
            "成果指標\t《成果指標》 ・カードの交付率",
            "スケジュール\t平成29年度\t平成30年度\t平成31年度",
            "\t検討\t試行\t",
            "",
            "基本目標 2 まもる行政",
            "No.\t2-ア",
            "取組の方向性\t■ 情報セキュリティ監査",
            "担当課\t情報政策課、各課",
            "スケジュール\t平成29年度\t平成30年度\t平成31年度",
            "\t準備\t実施\t評価",
        ]
    )
    pv = parse(text.encode("cp932"), "x.txt")
    assert pv.family == "blocks" and pv.level_names[0] == "基本目標"
    assert [r.number for r in pv.roots] == ["1", "2"]
    items = {it.number: it for it in pv.items.values()}
    card = items["1-ア"]
    assert card.title == "マイナンバーカードの活用" and card.sections == ["市民課"]
    assert [i.kind for i in card.indicators] == ["activity", "outcome"]
    assert [(e.fiscal_year, e.phase) for e in card.schedule] == [(2017, "study"), (2018, "trial")]
    assert card.schedule[-1].continues
    assert items["2-ア"].all_sections and [e.fiscal_year for e in items["2-ア"].schedule] == [2017, 2018, 2019]
