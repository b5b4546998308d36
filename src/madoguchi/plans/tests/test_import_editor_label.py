"""The structure editor's 「この行を対象の取組の項目にする」 (issue #13 item 7): the line's own label
word chooses the field it fills, so a 担当課 or スケジュール line the importer missed lands where
it belongs instead of in the item's 内容."""

from madoguchi.plans.importer import parse
from madoguchi.plans.importer.structure import apply

DOC = """ゆうなぎ町 情報化計画
1 くらし
(1) 電子申請
担当課\t町民課
スケジュール\tR8 導入\tR9 運用
(2) 電子図書館
担当課\t生涯学習課
スケジュール\tR8 検討\tR9 導入
(3) 公共施設の予約
内容\t予約をオンラインにします。
(4) 窓口のキャッシュレス化
担当課\t会計課
スケジュール\tR8 導入
"""


def _item(pv, title):
    return next(it for it in pv.items.values() if it.title == title)


def test_a_marked_line_fills_the_field_its_label_names():
    pv = parse(DOC.encode(), "y.txt")
    key = _item(pv, "公共施設の予約").key
    ops = [
        {"op": "line_label", "where": "40行目", "text": "〔所管課〕施設管理課・町民課", "key": key},
        {"op": "line_label", "where": "41行目", "text": "工程表 令和8年度 構築 令和9年度 運用", "key": key},
        {"op": "line_label", "where": "42行目", "text": "目指す姿：いつでも予約できる", "key": key},
        {"op": "line_label", "where": "43行目", "text": "土日も受け付けます。", "key": key},
    ]
    assert apply(pv, ops) == []
    item = _item(pv, "公共施設の予約")
    assert item.sections == ["施設管理課", "町民課"]
    assert [(e.fiscal_year, e.phase) for e in item.schedule] == [(2026, "build"), (2027, "operate")]
    assert item.goal == "いつでも予約できる"
    assert item.description.endswith("土日も受け付けます。")  # no label: 内容, as before
    assert "所管課" not in item.description and "工程表" not in item.description


def test_replaying_the_same_schedule_line_does_not_double_it():
    pv = parse(DOC.encode(), "y.txt")
    key = _item(pv, "電子申請").key
    apply(pv, [{"op": "line_label", "where": "9行目", "text": "スケジュール R8 導入", "key": key}])
    assert [(e.fiscal_year, e.phase) for e in _item(pv, "電子申請").schedule] == [(2026, "build"), (2027, "operate")]
