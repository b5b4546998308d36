"""Back-office pages, import UI, public page, API and the demo loader."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.core.models import Municipality
from madoguchi.plans.compare import compare
from madoguchi.plans.demo import load, load_demo_plan
from madoguchi.plans.models import Item, Plan, ProgressReport

from .conftest import seed, staff_login


@pytest.fixture
def plan(org):
    return load_demo_plan(org["muni"])


def test_staff_pages_render(client, org, plan):
    staff_login(client, org["users"]["ip"])
    item = Item.objects.get(plan=plan, number="1")
    for url in [
        reverse("plans:staff_plans"),
        reverse("plans:tree", args=[plan.pk]),
        reverse("plans:gantt", args=[plan.pk]),
        reverse("plans:dashboard", args=[plan.pk]),
        reverse("plans:dashboard", args=[plan.pk]) + "?year=abc",
        reverse("plans:evaluation", args=[plan.pk]),
        reverse("plans:item", args=[item.pk]),
        reverse("plans:report", args=[item.pk, plan.start_year + 1]),
        reverse("plans:reports"),
        reverse("plans:section"),
        reverse("plans:compare"),
        reverse("plans:import_upload"),
    ]:
        resp = client.get(url)
        assert resp.status_code == 200, url
    gantt = client.get(reverse("plans:gantt", args=[plan.pk])).content.decode()
    assert f"令和{plan.start_year - 2018}年度" in gantt and 'scope="col"' in gantt and 'scope="row"' in gantt
    for fmt, ctype in [("xlsx", "spreadsheetml"), ("csv", "text/csv"), ("pdf", "application/pdf")]:
        resp = client.get(reverse("plans:evaluation", args=[plan.pk]) + f"?format={fmt}")
        assert resp.status_code == 200 and ctype in resp["Content-Type"]


def test_section_staff_is_scoped(client, org, plan):
    staff_login(client, org["users"]["shimin"])
    page = client.get(reverse("plans:gantt", args=[plan.pk])).content.decode()
    assert "キャッシュレス" in page and "公共施設予約" not in page
    other = Item.objects.get(plan=plan, number="3")
    assert client.get(reverse("plans:item", args=[other.pk])).status_code == 403
    assert client.get(reverse("plans:report", args=[other.pk, plan.start_year])).status_code == 403
    assert client.get(reverse("plans:evaluation", args=[plan.pk]) + "?format=csv").status_code == 403
    assert client.get(reverse("plans:import_upload")).status_code == 403
    for name in ("evaluation", "dashboard", "tree"):
        page = client.get(reverse(f"plans:{name}", args=[plan.pk])).content.decode()
        assert "公共施設予約" not in page, name


def test_every_staff_page_is_behind_staff_required(client, org, plan):
    """Each staff/ route: anonymous → login, a signed-in non-staff user → 403, staff without a
    verified second factor → TOTP page."""
    from django.contrib.auth import get_user_model

    from madoguchi.plans.urls import urlpatterns

    item = Item.objects.get(plan=plan, number="1")
    args = {"pk": plan.pk, "year": plan.start_year}
    staff_routes = [p for p in urlpatterns if str(p.pattern).startswith("staff/")]
    assert len(staff_routes) >= 16
    resident = get_user_model().objects.create_user(email="resident@example.jp", password="x-pass-12345")
    unverified = get_user_model().objects.create_user(email="clerk2@example.lg.jp", password="x-pass-12345", is_staff=True)
    from madoguchi.core.models import StaffRole

    StaffRole.objects.create(user=unverified, section=org["ip"], role="clerk")
    for route in staff_routes:
        kwargs = {k: (item.pk if k == "pk" and "items/" in str(route.pattern) else v) for k, v in args.items() if f"<int:{k}>" in str(route.pattern)}
        url = reverse(f"plans:{route.name}", kwargs=kwargs)
        client.logout()
        resp = client.get(url)
        assert resp.status_code == 302 and "login" in resp["Location"], url
        client.force_login(resident)
        assert client.get(url).status_code == 403, url
        client.force_login(unverified)
        resp = client.get(url)
        assert resp.status_code == 302 and "login" not in resp["Location"], url


def test_report_form_errors_and_submit(client, org, plan):
    staff_login(client, org["users"]["sports"])
    item = Item.objects.get(plan=plan, number="3")
    url = reverse("plans:report", args=[item.pk, plan.start_year + 1])
    resp = client.post(url, {"submit": "1", "done": ""})
    body = resp.content.decode()
    assert resp.status_code == 200 and "達成状況を選んでください" in body and 'aria-invalid="true"' in body
    resp = client.post(url, {"submit": "1", "rating": "achieved", "done": "予約を始めた。"})
    assert resp.status_code == 302
    report = ProgressReport.objects.get(item=item, fiscal_year=plan.start_year + 1)
    assert report.status == "submitted"
    staff_login(client, org["users"]["ip"])
    resp = client.post(reverse("plans:review", args=[report.pk]), {"decision": "return", "review_comment": ""})
    assert "差し戻す理由" in resp.content.decode()
    resp = client.post(reverse("plans:review", args=[report.pk]), {"decision": "accept"})
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.status == "accepted"


def test_import_upload_preview_accept_and_reimport(client, org):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="武蔵野市", code="132039")
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("broken.xlsx", b"PK\x03\x04broken"), "municipality": muni.pk})
    assert resp.status_code == 200 and "壊れて" in resp.content.decode()
    for round_ in range(2):
        resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("002.txt", seed("002")), "municipality": muni.pk})
        assert resp.status_code == 302
        preview = client.get(resp["Location"])
        body = preview.content.decode()
        assert "再掲" in body and "読み取れなかった項目" in body and "51行目" in body
        if round_ == 1:
            assert "改訂版とみられます" in body
        resp = client.post(
            resp["Location"],
            {"title": "武蔵野市DX推進計画（第八次総合情報化基本計画）", "kind": "basic", "status": "adopted", "start_year": "2026", "end_year": "2030"},
        )
        assert "チェックを入れて" in resp.content.decode()
        resp = client.post(
            resp.request["PATH_INFO"],
            {
                "title": "武蔵野市DX推進計画（第八次総合情報化基本計画）",
                "kind": "basic",
                "status": "adopted",
                "start_year": "2026",
                "end_year": "2030",
                "acknowledge": "on",
            },
        )
        assert resp.status_code == 302
    plan = Plan.objects.get(municipality=muni)
    assert plan.is_example and plan.items.count() == 52 and Plan.objects.filter(municipality=muni).count() == 1


def test_public_page_and_api(client, org, plan):
    resp = client.get(reverse("plans:public_list"))
    assert plan.title in resp.content.decode()
    resp = client.get(reverse("plans:public_detail", args=[plan.pk]))
    assert resp.status_code == 200 and "概ね達成" in resp.content.decode()
    data = client.get("/api/plans/").json()
    assert data[0]["title"] == plan.title
    detail = client.get(f"/api/plans/{plan.pk}").json()
    assert len(detail["items"]) == 6 and detail["items"][0]["schedule"][0]["phase"] == "prepare"
    plan.is_public = False
    plan.save()
    assert client.get(f"/api/plans/{plan.pk}").status_code == 404


def test_demo_loads_seed_plans_idempotently(org):
    load(org["muni"])
    load(org["muni"])
    codes = dict(Plan.objects.filter(is_example=True).values_list("municipality__code", "municipality__name").distinct())
    assert codes == {"132284": "あきる野市", "132039": "武蔵野市", "132144": "国分寺市"}
    assert Plan.objects.get(municipality__code="132039").items.count() == 52
    assert Plan.objects.get(municipality__code="132144").items.count() == 13
    assert Plan.objects.get(municipality__code="132284").items.count() == 11
    assert Municipality.objects.get(code="139998").is_default
    assert Plan.objects.filter(municipality=org["muni"]).count() == 1
    # themes across municipalities
    result = compare(Plan.objects.all(), "opendata")
    munis = {p.municipality.code for p, items in result["rows"] if items}
    assert {"132039", "132144", "132284"} <= munis


def test_plan_settings_scales_and_predecessor(client, org, plan):
    staff_login(client, org["users"]["ip"])
    old = Plan.objects.create(municipality=org["muni"], title="旧計画", start_year=2020, end_year=2022)
    old_item = Item.objects.create(plan=old, key="item:1", number="1", title="電子申請")
    url = reverse("plans:settings", args=[plan.pk])
    base = {
        "title": plan.title,
        "kind": "promotion",
        "status": "adopted",
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "report_due_month": 6,
        "report_due_day": 30,
        "direction_scale": "continue:継続\nstop:中止",
    }
    resp = client.post(url, {**base, "rating_scale": "達成"})
    assert "「コード:表示名」" in resp.content.decode()
    resp = client.post(url, {**base, "rating_scale": "a:計画どおり実行できた\nb:計画どおりに実行できなかった", "predecessor": old.pk, "is_public": "on"})
    assert resp.status_code == 302
    plan.refresh_from_db()
    assert plan.rating_label("b") == "計画どおりに実行できなかった" and plan.predecessor == old
    item = Item.objects.get(plan=plan, number="1")
    resp = client.post(reverse("plans:item_predecessor", args=[item.pk]), {"predecessor": old_item.pk})
    item.refresh_from_db()
    assert item.predecessor == old_item
    assert "前計画の取組" in client.get(reverse("plans:item", args=[item.pk])).content.decode()


def test_import_preview_fix_then_save_without_blanket_acknowledge(client, org):
    import re

    from madoguchi.plans.importer import fixes, parse
    from madoguchi.plans.models import PlanImport

    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="国分寺市", code="132144")
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("plan.txt", seed("003")), "municipality": muni.pk})
    url = resp["Location"]
    body = client.get(url).content.decode()
    pids = re.findall(r'name="fix_([0-9a-f]{12})"', body)
    assert len(pids) == 3 and "274行目" in body
    pv = parse(seed("003"), "plan.txt")
    first_node = fixes.node_choices(pv)[0][0]
    line_274 = next(fixes.problem_id(p) for p in pv.problems if "274行目" in p.where)
    data = {f"fix_{pid}": "accept" for pid in pids}
    data[f"fix_{line_274}"] = fixes.ITEM_PREFIX + first_node
    data["fix_bogus"] = "accept"
    data["apply_fixes"] = "1"
    assert client.post(url, data).status_code == 302
    imp = PlanImport.objects.get()
    assert len(imp.decisions) == 3 and imp.decisions[line_274].startswith("item:")
    body = client.get(url).content.decode()
    assert "取組として追加しました" in body and "すべての行を置けました" not in body  # decided rows stay listed
    resp = client.post(url, {"title": "国分寺市行政デジタル化推進計画", "kind": "promotion", "status": "adopted", "start_year": "2021", "end_year": "2024"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    plan = Plan.objects.get(municipality=muni)
    assert plan.items.count() == 14  # the 13 sheets + the line staff placed
    assert "職員が指定" in plan.source_note


def test_fix_rejects_unknown_node(org):
    from madoguchi.plans.importer import fixes, parse

    pv = parse(seed("002"), "002.txt")
    pid = fixes.problem_id(pv.problems[0])
    rows = fixes.apply(pv, {pid: "item:no-such-node"})
    assert rows[0][2] == "" and len(pv.problems) == 1
