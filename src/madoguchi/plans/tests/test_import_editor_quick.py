"""Fixing a misread level or schedule from the tree itself: 「上の階層へ」「下の階層へ」 beside each
level and 「スケジュールを直す」 on each item, stored as decisions and replayed like the others."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.plans.importer import parse, structure
from madoguchi.plans.models import PlanImport

from .conftest import staff_login
from .test_importer_corpus import CORPUS


def test_schedule_op_replaces_the_items_schedule():
    pv = parse((CORPUS / "s2_heading_items.txt").read_bytes(), "s2.txt")
    item = next(it for it in pv.items.values() if it.title == "テレワークの推進")
    assert structure.apply(pv, [{"op": "schedule", "key": item.key, "text": "R6 検討、R7〜R8 運用"}]) == []
    assert [(e.fiscal_year, e.phase) for e in item.schedule] == [(2024, "study"), (2025, "operate"), (2026, "operate")]
    assert item.schedule_line == "2024年度 検討、2025年度 運用、2026年度 運用"
    assert structure.apply(pv, [{"op": "schedule", "key": item.key, "text": "そのうち"}])  # unreadable: refused


def test_tree_buttons_and_schedule_fix_are_stored_and_replayed(client, org):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="ひばり市", code="132047")
    data = (CORPUS / "s2_heading_items.txt").read_bytes()
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("s2.txt", data), "municipality": muni.pk})
    url = resp["Location"]
    page = client.get(url).content.decode()
    pv = parse(data)
    node = next(n for n, _ in pv.walk() if n.title == "子育て支援のデジタル化")
    item = next(it for it in pv.items.values() if it.title == "テレワークの推進")
    assert f'value="promote|{node.key}"' in page and "スケジュールを直す" in page and 'id="tree"' in page
    resp = client.post(url, {"structure_quick": f"promote|{node.key}"})
    assert resp.status_code == 302 and resp["Location"].endswith("#tree")
    resp = client.post(url, {"structure_op": "1", "op": "schedule", "key": item.key, "schedule": "令和6年度 試行、令和7年度～ 運用", "anchor": "tree"})
    assert resp["Location"].endswith("#tree")
    resp = client.post(url, {"structure_op": "1", "op": "schedule", "key": item.key, "schedule": "未定", "anchor": "tree"}, follow=True)
    assert "スケジュールを読み取れませんでした" in resp.content.decode()
    resp = client.post(url, {"structure_quick": "explode|x"}, follow=True)
    assert "修正の種類を選んでください" in resp.content.decode()
    imp = PlanImport.objects.get(filename="s2.txt")
    ops = structure.ops_of(imp.decisions)
    assert [op["op"] for op in ops] == ["promote", "schedule"]
    page = client.get(url).content.decode()
    tree = page.split('id="tree"')[1].split('id="structure"')[0]
    assert "令和6年度: 令和6年度 試行" not in tree and "試行" in tree  # the schedule as corrected
    resp = client.post(url, {"title": "ひばり市DX推進アクションプラン", "kind": "promotion", "status": "adopted", "start_year": "2024", "end_year": "2026"})
    assert resp.status_code == 302
    imp.refresh_from_db()
    saved = imp.plan.items.get(title="テレワークの推進")
    assert [(e.fiscal_year, e.phase) for e in saved.schedule.order_by("fiscal_year")] == [(2024, "trial"), (2025, "operate"), (2026, "operate")]
    assert imp.plan.nodes.get(title="子育て支援のデジタル化").parent is None
