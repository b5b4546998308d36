"""The structure editor of the import preview (issue #13 item 7): fixes stored as decisions and
replayed on every re-parse of the stored lines; 「確認しました」 only when few lines are left."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.plans.importer import parse, structure
from madoguchi.plans.importer.preview import PItem, PNode, PPlacement, Preview
from madoguchi.plans.models import PlanImport

from .conftest import staff_login
from .test_importer_corpus import CORPUS


def _tree():
    pv = parse((CORPUS / "s2_heading_items.txt").read_bytes(), "s2.txt")
    return pv, {n.title: n for n, _ in pv.walk()}, {it.title: it for it in pv.items.values()}


def test_each_operation_changes_the_tree():
    pv, nodes, items = _tree()
    kids = nodes["子育て支援のデジタル化"]
    failed = structure.apply(
        pv,
        [
            {"op": "promote", "key": kids.key},
            {"op": "move", "key": items["テレワークの推進"].key, "to": nodes["手続のデジタル化"].key},
            {"op": "merge", "key": items["ペーパーレス会議"].key, "into": items["テレワークの推進"].key},
            {"op": "rename_level", "depth": 0, "name": "基本方針"},
            {"op": "demote", "key": nodes["行政運営の効率化"].key},
            {"op": "move", "key": "item:nothing", "to": kids.key},
        ],
    )
    assert [r.title for r in pv.roots] == ["市民サービスの向上", "子育て支援のデジタル化"]
    assert kids.depth == 0 and nodes["行政運営の効率化"].depth == 1 and nodes["業務改革"].depth == 2
    held = [pv.items[p.item_key].title for p in nodes["手続のデジタル化"].placements]
    assert held == ["書かない窓口の導入", "マイナンバーカードの活用", "テレワークの推進"]
    assert "ペーパーレス会議" not in [it.title for it in pv.items.values()]
    assert "ペーパーレス会議" in items["テレワークの推進"].description and "総務課" in items["テレワークの推進"].sections
    assert pv.level_names[0] == "基本方針"
    assert len(failed) == 1 and "見つからない" in failed[0]


def test_split_and_one_word_items():
    pv = Preview(family="table", level_names=["施策", "取組"])
    node = PNode(key="1", number="1", title="窓口", depth=0)
    pv.roots.append(node)
    pv.items["item:1"] = PItem(key="item:1", number="1", title="電子申請及びキャッシュレス決済", where="3行目", sections=["市民課"])
    node.placements.append(PPlacement("item:1", "1", "3行目"))
    assert structure.apply(pv, [{"op": "split", "key": "item:1"}]) == []
    assert [pv.items[p.item_key].title for p in node.placements] == ["電子申請", "キャッシュレス決済"]
    for n in range(30):
        pv.items[f"j{n}"] = PItem(key=f"j{n}", number="", title=["38", "⇒", "平成30年度"][n % 3], where="")
    assert structure.one_word_items(pv) == 30


def test_editor_fixes_are_stored_and_replayed_and_undone(client, org):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="ひばり市", code="132047")
    resp = client.post(
        reverse("plans:import_upload"), {"file": SimpleUploadedFile("s2.txt", (CORPUS / "s2_heading_items.txt").read_bytes()), "municipality": muni.pk}
    )
    url = resp["Location"]
    page = client.get(url).content.decode()
    assert "体系を直す" in page and "元の文書の行" in page and "1-1-1 書かない窓口の導入" in page
    imp = PlanImport.objects.get(filename="s2.txt")
    pv = parse((CORPUS / "s2_heading_items.txt").read_bytes())
    item = next(it for it in pv.items.values() if it.title == "テレワークの推進")
    target = next(n for n, _ in pv.walk() if n.title == "手続のデジタル化")
    resp = client.post(url, {"structure_op": "1", "op": "move", "key": item.key, "to": target.key})
    assert resp.status_code == 302
    resp = client.post(url, {"structure_op": "1", "op": "ignore", "where": "6行目"})  # 「1-1-1 書かない窓口の導入」
    resp = client.post(url, {"structure_op": "1", "op": "rename_level", "depth": "0", "name": "基本目標"})
    resp = client.post(url, {"structure_op": "1", "op": "line_item", "where": "2行目", "to": target.key})
    imp.refresh_from_db()
    ops = structure.ops_of(imp.decisions)
    assert [op["op"] for op in ops] == ["move", "ignore", "rename_level", "line_item"]
    assert ops[-1]["text"] == "計画期間 令和6年度～令和8年度"
    client.post(url, {"structure_undo": "1"})
    page = client.get(url).content.decode()
    assert "基本目標 →" in page and "書かない窓口の導入" not in page.split("体系を直す")[0]
    # An impossible fix is refused with a message, not stored.
    resp = client.post(url, {"structure_op": "1", "op": "move", "key": item.key, "to": "nowhere"}, follow=True)
    assert "反映できませんでした" in resp.content.decode()
    client.post(url, {"structure_undo": "1"})
    imp.refresh_from_db()
    assert [op["op"] for op in structure.ops_of(imp.decisions)] == ["move", "ignore"]
    # Saving keeps the replayed structure.
    resp = client.post(url, {"title": "ひばり市DX推進アクションプラン", "kind": "promotion", "status": "adopted", "start_year": "2024", "end_year": "2026"})
    assert resp.status_code == 302
    imp.refresh_from_db()
    plan = imp.plan
    assert plan.items.count() == 4
    moved = plan.items.get(title="テレワークの推進")
    assert moved.placements.get().node.title == "手続のデジタル化"


def test_accept_the_rest_is_refused_for_many_one_word_items(client, org):
    staff_login(client, org["users"]["ip"])
    # The first rows fit the header (so the table is read); the rest are a misread chart.
    good = [f"{n}\t窓口\t電子申請の拡大その{n}\t市民課\t検討" for n in range(1, 13)]
    junk = [f"{n}\t窓口\t{['38', '⇒', '平成30年度'][n % 3]}\t市民課\t検討" for n in range(13, 43)]
    rows = ["No.\t施策\t取組\t担当課\t令和6年度", *good, *junk]
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("junk.tsv", "\n".join(rows).encode()), "municipality": org["muni"].pk})
    url = resp["Location"]
    page = client.get(url).content.decode()
    assert "このままでは保存できません" in page and 'name="acknowledge"' not in page
    resp = client.post(url, {"title": "x", "kind": "promotion", "status": "adopted", "acknowledge": "on"})
    assert resp.status_code == 200 and "このままでは保存できません" in resp.content.decode()
    assert not PlanImport.objects.filter(status=PlanImport.Status.SAVED).exists()


def test_a_line_marked_as_heading_item_or_label():
    pv, nodes, items = _tree()
    pv.problem("30行目", "1-3 窓口の改善", "置き場所が分かりませんでした。")
    root = nodes["市民サービスの向上"]
    failed = structure.apply(
        pv,
        [
            {"op": "line_heading", "where": "30行目", "text": "1-3 窓口の改善", "to": root.key},
            {"op": "line_item", "where": "31行目", "text": "1-3-1 窓口予約", "to": f"{root.key}/1-3"},
            {"op": "line_label", "where": "32行目", "text": "予約システムを入れる。", "key": items["書かない窓口の導入"].key},
        ],
    )
    assert failed == []
    new = root.children[-1]
    assert (new.number, new.title, new.depth) == ("1-3", "窓口の改善", 1)
    assert [pv.items[p.item_key].title for p in new.placements] == ["窓口予約"]
    assert "予約システムを入れる。" in items["書かない窓口の導入"].description
    assert not pv.problems
