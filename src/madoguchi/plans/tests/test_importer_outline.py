"""Outline inference (issue #13 items 1–3): the hierarchy from the document's own numbering,
label blocks at any column, schedules in their common printed forms."""

from collections import Counter
from pathlib import Path

import pytest

from madoguchi.plans.importer import PlanImportError, parse
from madoguchi.plans.importer.outline import heading_of
from madoguchi.plans.importer.schedules import read_inline

CORPUS = Path(__file__).resolve().parent / "corpus"


def doc(name: str) -> bytes:
    return next(CORPUS.glob(f"{name}*")).read_bytes()


def depths(pv) -> dict[int, int]:
    return dict(Counter(n.depth for n, _ in pv.walk()))


def test_seed_000_tree_sections_and_schedules():
    pv = parse(doc("000_"), "000.txt")
    assert pv.family == "outline"
    assert pv.level_names == ["基本施策", "施策", "取組", "取組事項"]
    assert depths(pv) == {0: 4, 1: 10, 2: 22}
    assert [r.number for r in pv.roots] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]  # 「基本施策 I」 with a Latin I
    assert len(pv.items) == 42 and len(pv.placements) == 42
    assert all(it.sections for it in pv.items.values())
    first = pv.roots[0].children[0]
    assert first.title == "いつでも、どこでも行える窓口サービスの提供" and "来庁しなくても" in first.goal
    assert first.children[0].title == "窓口業務のオンライン化の推進" and first.children[0].current_state
    items = {(it.where): it for it in pv.items.values()}
    # Label rows shifted one column right are read as labels, never as schedule lines.
    online = items["219行目"]
    assert online.sections == ["情報政策課"] and online.all_sections and "相談" in online.description
    # A value row shifted left of its years, and a year header the converter lost (令和7年度).
    assert [(e.fiscal_year, e.phase_text, e.continues) for e in online.schedule] == [(2023, "検討・情報収集", True), (2025, "試行", False)]
    contract = items["426行目"]
    assert [(e.fiscal_year, e.phase) for e in contract.schedule] == [(2023, "research"), (2024, "study"), (2025, "operate")]
    # Two value rows are two tracks.
    ict = items["345行目"]
    assert {e.track_order for e in ict.schedule} == {0, 1}
    assert sum(1 for it in pv.items.values() if it.schedule) == 24  # the rest print an empty chart
    # The 3 基本方針 are a classification beside the tree, with their texts.
    assert [(p["number"], p["title"]) for p in pv.policies] == [("1", "市民目線の行政サービス"), ("2", "市役所業務の効率化"), ("3", "情報セキュリティの徹底")]
    assert "行政サービス" in pv.policies[0]["text"]
    assert (pv.start_year, pv.end_year) == (2023, 2025)


def test_headings_of_every_marker_family():
    cases = {
        "基本施策 I 窓口": ("基本施策", "roman", "Ⅰ"),
        "取組（２） 窓口": ("取組", "paren", "(2)"),
        "【基本目標１】 すこやかなまち": ("基本目標", "arabic", "1"),
        "1-2-3 電子申請の拡大": ("", "dash3", "1-2-3"),
        "Ⅳ-2-(1)① 電子申請": ("", "dash3", "Ⅳ-2-(1)①"),
        "第2章 計画の体系": ("章", "chapter", "第2章"),
        "ア 情報セキュリティ": ("", "kana", "ア"),
        "重点プロジェクト3 子育て": ("重点プロジェクト", "arabic", "3"),  # a level word never seen
        "図 1 - 1 長期計画": None,  # a figure caption
    }
    for text, expected in cases.items():
        h = heading_of([text], 0, "")
        got = (h.word, h.family, h.number) if h else None
        assert got == expected, text
    assert heading_of(["施策番号", "3", "施策名", "人材の確保・育成"], 0, "").title == "人材の確保・育成"
    assert heading_of(["(1)", "背景", "1"], 0, "") is None  # a table of contents line
    assert heading_of(["1 本市では、令和4年度に計画を策定しました。"], 0, "") is None  # prose


UNSEEN_LEVELS = """みどり野市 デジタル推進計画
計画期間 令和6年度から令和8年度まで

1 総論
本計画の目的を述べます。

2 計画の内容
【推進の柱1】 暮らしのデジタル化
くらしを便利にします。
重点 1-1 手続のオンライン化
\t担当課\t市民課、情報政策課
\t内容\t電子申請を広げる。
\tスケジュール\tR6\tR7\tR8
\t\t検討\t→\t運用
重点 1-2 キャッシュレス
担当課\t市民課
スケジュール\t令和6年度 検討\t令和7年度 導入\t令和8年度 ⇒
【推進の柱2】 仕事のデジタル化
重点 2-1 電子決裁
\t\t担当課\t総務課
\t\t内容\t決裁を電子化する。
\t\tスケジュール\t2024年度\t2025年度\t2026年度
\t\t構築\t━\t運用
3 推進体制
(1) 会議
"""


def test_levels_it_has_never_seen_nest_by_order():
    pv = parse(UNSEEN_LEVELS.encode(), "x.txt")
    assert pv.family == "outline"
    assert [r.title for r in pv.roots] == ["暮らしのデジタル化", "仕事のデジタル化"]
    assert [p.number for p in pv.roots[0].placements] == ["1-1", "1-2"]
    items = {it.number: it for it in pv.items.values()}
    assert [(e.fiscal_year, e.phase, e.continues) for e in items["1-1"].schedule] == [(2024, "study", True), (2026, "operate", False)]
    # Year and value in one cell; ⇒ carries the phase on.
    assert [(e.fiscal_year, e.phase_text) for e in items["1-2"].schedule] == [(2024, "検討"), (2025, "導入")]
    assert items["1-2"].schedule[-1].continues
    assert [(e.fiscal_year, e.phase) for e in items["2-1"].schedule] == [(2024, "build"), (2026, "operate")]
    assert items["2-1"].schedule[0].continues
    assert items["2-1"].sections == ["総務課"] and items["2-1"].description == "決裁を電子化する。"
    assert (pv.start_year, pv.end_year) == (2024, 2026)


def test_inline_schedule_forms():
    entries = read_inline("平成28年度 検討 平成29年度 ⇒ 平成30年度 運用")
    assert [(e.fiscal_year, e.phase, e.continues) for e in entries] == [(2016, "study", True), (2018, "operate", False)]


def test_random_text_never_crashes_and_unstructured_text_gets_a_japanese_message():
    import random

    from madoguchi.plans.importer import NO_STRUCTURE, PlanImportError

    rng = random.Random(13)
    alphabet = "あいうアイウ施策取組事項基本方針担当課内容スケジュール令和年度R8H28⇒→━①②ⅠⅡIV()（）1234-・。、 \t\t\n\n\n<>&\"',"
    pieces = ["取組事項①", "施策番号\t1\t施策名\t", "スケジュール\t令和5年度\t令和6年度", "担当課\t", "【基本目標1】", "第1章", "\t→\t", "No.\t1-ア"]
    for _ in range(150):
        text = "".join(rng.choice(pieces) if rng.random() < 0.1 else rng.choice(alphabet) for _ in range(rng.randint(0, 600)))
        for encoding in ("utf-8", "cp932"):
            try:
                data = text.encode(encoding, errors="ignore")
                parse(data, rng.choice(["x.txt", "x.csv", "x.tsv"]))
            except PlanImportError as exc:
                assert str(exc)  # a message for staff, never another exception
    with pytest.raises(PlanImportError) as exc:
        parse("今日は良い天気です。\n明日も晴れるでしょう。\n".encode(), "note.txt")
    assert str(exc.value) == NO_STRUCTURE and "読み取れませんでした" in NO_STRUCTURE


BACKGROUND_TABLE = """国の動向
平成29年度\t国の戦略\t取組\t施策
平成30年度\t⇒\t38
令和元年度\t→\t12
令和2年度\t⇒\t平成30年度

みどり野市DX推進計画
No.\t基本方針\t施策\t取組\t担当課\t令和6年度\t令和7年度
1\t便利な窓口\t手続\t電子申請の拡大\t市民課\t検討\t運用
2\t便利な窓口\t手続\tキャッシュレス決済\t市民課\t導入\t運用
"""


def test_a_background_table_is_listed_not_itemised():
    pv = parse(BACKGROUND_TABLE.encode(), "x.tsv")
    assert pv.family == "table"
    assert [it.title for it in pv.items.values()] == ["電子申請の拡大", "キャッシュレス決済"]
    assert [t["where"] for t in pv.tables] == ["2行目"]
    only_background = BACKGROUND_TABLE.split("\n\n")[0].encode()
    with pytest.raises(PlanImportError):
        parse(only_background, "x.tsv")


def test_seed_000_previous_plan_evaluation_is_read_and_saved(city):
    from madoguchi.core import tenancy
    from madoguchi.plans.importer import save_preview
    from madoguchi.plans.models import Plan, ProgressReport

    pv = parse(doc("000_"), "000.txt")
    ev = pv.evaluation
    assert len(ev["rows"]) == 29 and ev["where"] == "810行目"
    assert ev["rating_scale"] == ["達成", "概ね達成", "一部のみ達成"]  # from the document, strongest first
    assert "完了のため終了" in ev["direction_scale"]
    last = ev["rows"][-1]  # a row that lost its empty 分野 cell
    assert (last["number"], last["measure"], last["lead"], last["rating"], last["ref"]) == (
        "29",
        "窓口手続時間の短縮および簡素化の研究",
        "市民課",
        "達成",
        "Ⅰ-2-(1)",
    )
    with tenancy.using(city):
        result = save_preview(pv, city, source_name="000.txt")
        plan = Plan.objects.get(pk=result.plan.pk)
        assert result.evaluation_rows == 29 and plan.predecessor is not None
        assert [c["title"] for c in plan.classifications] == ["市民目線の行政サービス", "市役所業務の効率化", "情報セキュリティの徹底"]
        reports = ProgressReport.objects.filter(item__plan=plan.predecessor, fiscal_year=2022)
        assert reports.count() == 29
        first = reports.get(item__number="1")
        assert plan.predecessor.rating_label(first.rating) == "概ね達成" and "II-1-(2)" in first.handover
        # A row's 「本計画の取組」 links the items under that node to the measure most alike.
        access = plan.items.get(title="ウェブアクセシビリティの向上推進")
        assert access.predecessor.title == "ウェブアクセシビリティの向上推進" and access.predecessor.plan_id == plan.predecessor_id
        assert plan.items.get(title="タブレット型端末を利用した通訳サービスの拡充").predecessor.title == "タブレット型端末による通訳サービス"
        assert plan.items.filter(predecessor__isnull=False).count() >= 5  # only titles alike enough
        # Importing again updates the same rows.
        save_preview(parse(doc("000_"), "000.txt"), city, source_name="000.txt")
        assert ProgressReport.objects.filter(item__plan=plan.predecessor).count() == 29


CLASSIFIED = """かえで市 情報化計画
基本方針1 だれもが使える
基本方針2 むだのない役所
施策の体系
基本施策\t基本方針1\t基本方針2
Ⅰ 窓口の改善\t○\t
Ⅱ 業務の改善\t\t○
Ⅲ 基盤\t○\t○
基本施策 Ⅰ 窓口の改善
取組1 電子申請
担当課\t市民課
スケジュール\t令和6年度\t令和7年度
\t検討\t運用
基本施策 Ⅱ 業務の改善
取組1 電子決裁
担当課\t総務課
スケジュール\t令和6年度\t令和7年度
\t導入\t運用
基本施策 Ⅲ 基盤
取組1 クラウド
担当課\t情報政策課
スケジュール\t令和6年度\t令和7年度
\t調査\t移行
""".replace("\\\t", "\t")


def test_classifications_are_linked_by_the_taikei_matrix():
    pv = parse(CLASSIFIED.encode(), "x.txt")
    assert [r.number for r in pv.roots] == ["Ⅰ", "Ⅱ", "Ⅲ"]
    assert [(p["title"], p["nodes"]) for p in pv.policies] == [("だれもが使える", ["Ⅰ", "Ⅲ"]), ("むだのない役所", ["Ⅱ", "Ⅲ"])]
