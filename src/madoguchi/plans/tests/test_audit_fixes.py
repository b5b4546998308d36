"""Gaps found by the audit: 各課 items, the section view's reporting year and report status,
reopening accepted reports, editing an item's sections and indicators, metrics of closed
years, and re-import matching."""

import datetime as dt

import pytest
from django.urls import reverse

from madoguchi.plans import services
from madoguchi.plans.demo import load_demo_plan
from madoguchi.plans.models import Item, ProgressReport

from .conftest import staff_login


@pytest.fixture
def plan(org):
    return load_demo_plan(org["muni"])


# --- 1. 各課 items: one rule for seeing and filing ------------------------------------------------
def test_kakuka_item_with_a_named_section_is_fileable_by_every_section(client, org, plan):
    item = Item.objects.get(plan=plan, number="3")  # 生涯学習スポーツ課 lead, 情報政策課 related
    item.all_sections = True
    item.save()
    shimin = org["users"]["shimin"]
    assert services.can_view_item(shimin, item)
    assert services.can_file(shimin, item)
    staff_login(client, shimin)
    assert client.get(reverse("plans:report", args=[item.pk, plan.start_year])).status_code == 200
    # every item the section view lists can be filed by that section
    page = client.get(reverse("plans:section")).content.decode()
    for it in services.items_of_sections({org["shimin"].pk}):
        assert it.title in page
        assert services.can_file(shimin, it)


def test_kakuka_items_stay_within_the_municipality(org, plan):
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory
    from madoguchi.plans.factories import ItemFactory, PlanFactory

    other = MunicipalityFactory(name="別市")
    SectionFactory(municipality=other, name="市民課")
    other_plan = PlanFactory(municipality=other, title="別市DX計画", start_year=None, end_year=None, level_names=[])
    foreign = ItemFactory(plan=other_plan, key="x", number="1", title="別市の全課取組", all_sections=True)
    shimin = org["users"]["shimin"]
    assert not services.can_view_item(shimin, foreign) and not services.can_file(shimin, foreign)


# --- 2. section view: the year currently due, report status, 差戻し理由, notification ---------------
def test_report_year_is_the_year_currently_due(org, plan):
    plan.start_year, plan.end_year = 2024, 2030
    plan.report_due_month, plan.report_due_day = 5, 31
    assert services.report_year(plan, dt.date(2026, 4, 10)) == 2025  # reporting season for 令和7年度
    assert services.report_year(plan, dt.date(2026, 5, 31)) == 2025
    assert services.report_year(plan, dt.date(2026, 6, 1)) == 2026
    assert services.report_year(plan, dt.date(2027, 3, 31)) == 2026
    assert services.report_year(plan, dt.date(2024, 4, 1)) == 2024  # not before the plan starts
    assert services.report_year(plan, dt.date(2033, 1, 1)) == 2030  # nor after it ends


def _outbox():
    from madoguchi.core.models import Task

    return list(Task.objects.filter(name="core.send_email"))


def test_section_view_shows_status_and_return_reason_and_notifies(client, org, plan):
    shimin, ip = org["users"]["shimin"], org["users"]["ip"]
    org["shimin"].email = "shimin@example.lg.jp"
    org["shimin"].save()
    item = Item.objects.get(plan=plan, number="2")  # 市民課 lead
    year = services.report_year(plan)
    report = services.save_report(item, year, shimin, services.ReportInput(rating="partly", done="試行した。"), submit=True)
    before = len(_outbox())
    services.review_report(report, ip, accept=False, comment="実施件数を書いてください。")
    mails = _outbox()[before:]
    assert len(mails) == 1 and mails[0].payload["to"] == ["shimin@example.lg.jp"]
    assert "実施件数を書いてください。" in mails[0].payload["body"] and "差し戻" in mails[0].payload["subject"]
    staff_login(client, shimin)
    page = client.get(reverse("plans:section")).content.decode()
    assert reverse("plans:report", args=[item.pk, year]) in page
    assert "差戻し" in page and "実施件数を書いてください。" in page
    draft_item = Item.objects.get(plan=plan, number="1")
    services.save_report(draft_item, year, shimin, services.ReportInput(done="途中"), submit=False)
    page = client.get(reverse("plans:section")).content.decode()
    assert "作成中" in page
    reports_page = client.get(reverse("plans:reports")).content.decode()
    assert "差し戻された報告" in reports_page and "実施件数を書いてください。" in reports_page
    assert reverse("plans:report", args=[draft_item.pk, year]) in reports_page


def test_no_email_when_the_section_has_none(org, plan):
    shimin, ip = org["users"]["shimin"], org["users"]["ip"]
    item = Item.objects.get(plan=plan, number="2")
    report = services.save_report(item, plan.start_year + 1, shimin, services.ReportInput(rating="partly", done="x"), submit=True)
    before = len(_outbox())
    services.review_report(report, ip, accept=False, comment="直してください。")
    assert len(_outbox()) == before


# --- 3. an accepted report can be reopened (差戻し) with a reason, audited -------------------------
def test_reviewer_returns_an_accepted_report(client, org, plan):
    from django.core.exceptions import ValidationError

    from madoguchi.core.models import AuditLog

    sports, ip = org["users"]["sports"], org["users"]["ip"]
    item = Item.objects.get(plan=plan, number="3")
    year = plan.start_year + 1
    report = services.save_report(item, year, sports, services.ReportInput(rating="achieved", done="運用を始めた。"), submit=True)
    report = services.review_report(report, ip, accept=True)
    with pytest.raises(ValidationError):  # locked for the section
        services.save_report(item, year, sports, services.ReportInput(rating="partly", done="x"), submit=True)
    with pytest.raises(ValidationError) as exc:
        services.review_report(report, ip, accept=False, comment=" ")
    assert "review_comment" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.review_report(report, ip, accept=True)
    staff_login(client, ip)
    url = reverse("plans:review", args=[report.pk])
    assert "確認済を差し戻す" in client.get(reverse("plans:item", args=[item.pk])).content.decode()
    body = client.post(url, {"decision": "return", "review_comment": ""}).content.decode()
    assert "差し戻す理由" in body and 'aria-invalid="true"' in body
    resp = client.post(url, {"decision": "accept"})  # not offered for an accepted report
    assert resp.status_code == 200
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.ACCEPTED
    resp = client.post(url, {"decision": "return", "review_comment": "指標の実績が誤っています。"})
    assert resp.status_code == 302
    report.refresh_from_db()
    assert report.status == ProgressReport.Status.RETURNED and report.review_comment == "指標の実績が誤っています。"
    log = AuditLog.objects.filter(target_type="plans.progressreport", target_id=str(report.pk)).order_by("-id").first()
    assert log.detail["review"] == "reopened" and log.detail["previous"] == "accepted"
    report = services.save_report(item, year, sports, services.ReportInput(rating="partly", done="運用を始めた。訂正。"), submit=True)
    assert report.status == ProgressReport.Status.SUBMITTED


# --- 4. reviewer-only item edit: sections (主管課 first), texts, indicator baseline/target ------------
def test_reviewer_sets_sections_of_an_imported_item(client, org, plan):
    from madoguchi.core.models import AuditLog
    from madoguchi.plans.models import Indicator

    item = Item.objects.create(plan=plan, key="imported-1", number="9", title="取込で担当課のない取組")
    ind = Indicator.objects.create(item=item, name="電子申請件数", unit="件")
    shimin, sports = org["users"]["shimin"], org["users"]["sports"]
    assert not services.can_view_item(shimin, item)
    url = reverse("plans:item_edit", args=[item.pk])
    staff_login(client, shimin)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "x"}).status_code == 403
    staff_login(client, org["users"]["ip"])
    assert url in client.get(reverse("plans:item", args=[item.pk])).content.decode()
    assert client.get(url).status_code == 200
    base = {"number": "9", "title": item.title}
    # errors name the field and say what to do
    body = client.post(url, {**base, "related_sections": [org["sports"].pk]}).content.decode()
    assert "主管課も1つ選んでください" in body and 'aria-invalid="true"' in body
    body = client.post(url, {**base, "lead_section": org["shimin"].pk, "related_sections": [org["shimin"].pk]}).content.decode()
    assert "関係課から外してください" in body
    body = client.post(url, {**base, "lead_section": org["shimin"].pk, f"ind{ind.pk}_target": "多い"}).content.decode()
    assert "「電子申請件数」の目標値は数値で入力してください" in body
    resp = client.post(
        url,
        {
            **base,
            "title": "電子申請の拡大",
            "lead_section": org["shimin"].pk,
            "related_sections": [org["sports"].pk],
            f"ind{ind.pk}_baseline": "10",
            f"ind{ind.pk}_baseline_year": "2024",
            f"ind{ind.pk}_target": "50",
            f"ind{ind.pk}_target_year": "2028",
        },
    )
    assert resp.status_code == 302
    item.refresh_from_db()
    ind.refresh_from_db()
    assert item.title == "電子申請の拡大"
    assert [s.name for s in item.ordered_sections()] == ["市民課", "生涯学習スポーツ課"] and item.lead_section == org["shimin"]
    assert str(ind.target) == "50.00" and ind.baseline_year == 2024
    assert services.can_file(shimin, item) and services.can_file(sports, item)
    log = AuditLog.objects.filter(target_type="plans.item", target_id=str(item.pk)).latest("id")
    assert log.detail["edit"]["sections"]["to"] == ["市民課", "生涯学習スポーツ課"]
    assert (
        log.detail["edit"]["indicators"]["電子申請件数"]["target"]["to"] == "50.00" or log.detail["edit"]["indicators"]["電子申請件数"]["target"]["to"] == "50"
    )
    # swap lead and related: the order follows the form
    client.post(url, {**base, "title": "電子申請の拡大", "lead_section": org["sports"].pk, "related_sections": [org["shimin"].pk]})
    item.refresh_from_db()
    assert item.lead_section == org["sports"]


# --- 5. online procedures: counted like can_apply_online, closed years never rewritten -----------
def test_online_procedures_counts_like_can_apply_online_and_keeps_closed_years(org, plan):
    from decimal import Decimal

    from madoguchi.applications.models import Procedure
    from madoguchi.forms.models import Form
    from madoguchi.plans import metrics
    from madoguchi.plans.models import Indicator, IndicatorValue

    form = Form.objects.create(name="申請フォーム")
    kinds = [
        ("ok", dict(online=True, form=form)),
        ("no-form", dict(online=True, form=None)),
        ("offline", dict(online=False, form=form)),
        ("portal", dict(online=True, form=form, external_url="https://myna.go.jp/x")),
        ("jpki", dict(online=True, form=form, identity_assurance="my_number_card")),
        ("hidden", dict(online=True, form=form, is_published=False)),
    ]
    procs = [Procedure.objects.create(municipality=org["muni"], section=org["shimin"], slug=slug, name=slug, summary="-", **kw) for slug, kw in kinds]
    expected = sum(1 for p in procs if p.can_apply_online and p.is_published)
    this_year = metrics.current_fiscal_year()
    assert metrics.compute("online_procedures", org["muni"], this_year) == Decimal(expected) == Decimal(1)
    assert metrics.compute("online_procedures", org["muni"], this_year - 1) is None  # no history kept
    ind = Indicator.objects.get(item__plan=plan, metric="online_procedures")
    IndicatorValue.objects.update_or_create(indicator=ind, fiscal_year=this_year - 1, defaults={"value": Decimal(7), "source": "metric"})
    from madoguchi.plans.tasks import refresh_bound_indicators

    refresh_bound_indicators()
    assert ind.actual(this_year - 1) == Decimal(7)  # the closed year keeps its actual
    assert ind.actual(this_year) == Decimal(1)


# --- 6. a predecessor cycle is refused ---------------------------------------------------------
def test_predecessor_cycle_is_refused(client, org, plan):
    from madoguchi.plans.models import Plan

    a = Plan.objects.create(municipality=org["muni"], title="第1次計画", start_year=2016, end_year=2020)
    b = Plan.objects.create(municipality=org["muni"], title="第2次計画", start_year=2021, end_year=2025, predecessor=a)
    assert services.predecessor_cycle(a, b) == [b, a]
    assert services.predecessor_cycle(b, a) == [] and services.predecessor_cycle(a, None) == []
    assert services.predecessor_cycle(a, a) == [a]
    staff_login(client, org["users"]["ip"])
    data = {
        "title": a.title,
        "kind": "promotion",
        "status": "adopted",
        "start_year": 2016,
        "end_year": 2020,
        "report_due_month": 5,
        "report_due_day": 31,
        "rating_scale": "a:達成\nb:未達成",
        "direction_scale": "continue:継続\nstop:中止",
        "predecessor": b.pk,
    }
    body = client.post(reverse("plans:settings", args=[a.pk]), data).content.decode()
    assert "前計画をたどると元の計画に戻ってしまいます" in body and "第1次計画 → 第2次計画 → 第1次計画" in body
    a.refresh_from_db()
    assert a.predecessor is None


# --- 6. re-import: a revised document updates the plan it revises --------------------------------
def test_plan_matching_ignores_a_trailing_draft_mark(org):
    from madoguchi.plans.models import Plan

    draft = Plan.objects.create(municipality=org["muni"], title="みどり野市DX推進計画（案）", source_name="dx_draft.xlsx")
    assert services.plan_title_key("みどり野市DX推進計画 (案)") == "みどり野市DX推進計画"
    assert services.match_existing_plan(org["muni"], "みどり野市DX推進計画", "dx_final.xlsx") == draft
    assert services.match_existing_plan(org["muni"], "別の題名", "dx_draft.xlsx") == draft
    assert services.match_existing_plan(org["muni"], "別の題名", "other.xlsx") is None


def test_revised_document_updates_instead_of_duplicating(client, org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from madoguchi.plans.models import Plan

    from .conftest import seed

    staff_login(client, org["users"]["ip"])
    muni = org["muni"]

    def upload(name):
        resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile(name, seed("002")), "municipality": muni.pk})
        assert resp.status_code == 302
        return resp["Location"]

    from madoguchi.plans.importer import parse

    title = parse(seed("002"), "plan.txt").title
    common = {"kind": "basic", "status": "adopted", "start_year": "2026", "end_year": "2030", "acknowledge": "on"}
    url = upload("plan_draft.txt")
    assert client.post(url, {**common, "title": f"{title}（案）", "status": "draft"}).status_code == 302
    draft = Plan.objects.get(municipality=muni)
    items = draft.items.count()
    # the adopted version arrives under another file name and without （案）
    Plan.objects.filter(pk=draft.pk).update(source_name="renamed-elsewhere.txt")
    url = upload("plan_final.txt")
    body = client.get(url).content.decode()
    assert "改訂版とみられます" in body and f'value="{draft.pk}" selected' in body
    # an unknown plan id is refused with what to do
    body = client.post(url, {**common, "title": title, "update_plan": "999999"}).content.decode()
    assert "更新する計画は一覧から選んでください" in body
    assert client.post(url, {**common, "title": title, "update_plan": draft.pk}).status_code == 302
    assert Plan.objects.filter(municipality=muni).count() == 1
    draft.refresh_from_db()
    assert draft.title == title and draft.items.count() == items and draft.source_name == "plan_final.txt"
