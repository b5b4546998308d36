"""共同運営 (issue #10): on city B's host, city A's plans, items, reports and exports are not
found or not listed; example plans of reference municipalities stay readable by every city."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.core.factories import InformationPolicySectionFactory, MunicipalityFactory, StaffFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.plans.models import Indicator, IndicatorValue, Item, ItemSection, Node, Placement, Plan, PlanImport, ProgressReport, ScheduleEntry

from .conftest import seed, staff_login

A_HOST, B_HOST = "city-a.localhost", "town-b.localhost"


def _plan(municipality, section, title, item_title):
    plan = Plan.objects.create(municipality=municipality, title=title, start_year=2024, end_year=2026)
    node = Node.objects.create(plan=plan, key="1", number="1", title=f"{item_title}の方針")
    item = Item.objects.create(plan=plan, key="item:1", number="1", title=item_title)
    ItemSection.objects.create(item=item, section=section, is_lead=True)
    Placement.objects.create(item=item, node=node)
    ScheduleEntry.objects.create(item=item, fiscal_year=2024, phase_text="検討")
    indicator = Indicator.objects.create(item=item, name=f"{item_title}の件数")
    IndicatorValue.objects.create(indicator=indicator, fiscal_year=2024, value=3)
    report = ProgressReport.objects.create(item=item, fiscal_year=2024, status=ProgressReport.Status.SUBMITTED, done=f"{item_title}を実施")
    return plan, item, indicator, report


@pytest.fixture
def cities(org):
    a = org["muni"]
    b = MunicipalityFactory(name="べつの町", code="139971", is_default=False)
    MunicipalityDomain.objects.create(municipality=a, domain=A_HOST)
    MunicipalityDomain.objects.create(municipality=b, domain=B_HOST)
    b_ip = InformationPolicySectionFactory(municipality=b)
    a_plan, a_item, a_indicator, a_report = _plan(a, org["ip"], "みどり野市DX推進計画", "みどり野の電子申請")
    b_plan, b_item, _, _ = _plan(b, b_ip, "べつの町DX推進計画", "べつの町のオープンデータ")
    return {
        "a": a,
        "b": b,
        "a_plan": a_plan,
        "a_item": a_item,
        "a_indicator": a_indicator,
        "a_report": a_report,
        "b_plan": b_plan,
        "b_item": b_item,
        "b_staff": StaffFactory(email="ip@town-b.example.lg.jp", section=b_ip),
    }


def test_children_carry_their_plans_city(cities):
    a = cities["a"]
    for model in (Node, Item, ItemSection, Placement, ScheduleEntry, Indicator, IndicatorValue, ProgressReport):
        assert set(model.objects.filter(municipality=a).values_list("municipality_id", flat=True)) == {a.pk}, model
        assert model.objects.filter(municipality=cities["b"]).exists(), model


def test_public_pages_and_api_of_b_never_show_a(client, cities):
    a_plan, b_plan = cities["a_plan"], cities["b_plan"]
    listing = client.get("/plans/", HTTP_HOST=B_HOST).content.decode()
    assert b_plan.title in listing and a_plan.title not in listing
    assert client.get(f"/plans/{a_plan.pk}/", HTTP_HOST=B_HOST).status_code == 404
    assert client.get(f"/plans/{a_plan.pk}/", HTTP_HOST=A_HOST).status_code == 200
    titles = [p["title"] for p in client.get("/api/plans/", HTTP_HOST=B_HOST).json()]
    assert b_plan.title in titles and a_plan.title not in titles
    assert client.get(f"/api/plans/{a_plan.pk}", HTTP_HOST=B_HOST).status_code == 404


def test_staff_of_b_never_find_a_plans_items_reports_or_exports(client, cities):
    staff_login(client, cities["b_staff"])
    a_plan, a_item, a_report = cities["a_plan"], cities["a_item"], cities["a_report"]
    for path in (
        f"/plans/staff/{a_plan.pk}/",
        f"/plans/staff/{a_plan.pk}/gantt/",
        f"/plans/staff/{a_plan.pk}/dashboard/",
        f"/plans/staff/{a_plan.pk}/evaluation/",
        f"/plans/staff/{a_plan.pk}/evaluation/?format=csv",
        f"/plans/staff/{a_plan.pk}/evaluation/?format=xlsx",
        f"/plans/staff/{a_plan.pk}/settings/",
        f"/plans/staff/items/{a_item.pk}/",
        f"/plans/staff/items/{a_item.pk}/edit/",
        f"/plans/staff/items/{a_item.pk}/report/2024/",
        f"/plans/staff/reports/{a_report.pk}/review/",
    ):
        assert client.get(path, HTTP_HOST=B_HOST).status_code == 404, path
    assert client.post(f"/plans/staff/indicators/{cities['a_indicator'].pk}/bind/", {"metric": ""}, HTTP_HOST=B_HOST).status_code == 404
    assert client.get(f"/plans/staff/{cities['b_plan'].pk}/", HTTP_HOST=B_HOST).status_code == 200
    for path in ("/plans/staff/", "/plans/staff/compare/", "/plans/staff/reports/", "/plans/staff/sections/"):
        body = client.get(path, HTTP_HOST=B_HOST).content.decode()
        assert a_plan.title not in body and a_item.title not in body, path
    assert cities["b_plan"].title in client.get("/plans/staff/", HTTP_HOST=B_HOST).content.decode()


def test_b_cannot_import_into_a_but_may_keep_a_reference_citys_example(client, cities):
    staff_login(client, cities["b_staff"])
    a = cities["a"]
    resp = client.post("/plans/staff/import/", {"file": SimpleUploadedFile("002.txt", seed("002")), "municipality": a.pk}, HTTP_HOST=B_HOST)
    assert resp.status_code == 200 and not PlanImport.objects.exists()  # not a choice on B's host
    a_import = PlanImport.objects.create(municipality=a, filename="a.txt", content=seed("002"))
    assert client.get(f"/plans/staff/import/{a_import.pk}/", HTTP_HOST=B_HOST).status_code == 404
    # A reference municipality (no host of its own): its plan is an example every city may read.
    ref = MunicipalityFactory(name="国分寺市", code="132144", is_default=False)
    resp = client.post("/plans/staff/import/", {"file": SimpleUploadedFile("003.txt", seed("003")), "municipality": ref.pk}, HTTP_HOST=B_HOST)
    assert resp.status_code == 302
    imp = PlanImport.objects.get(municipality=ref)
    assert client.get(f"/plans/staff/import/{imp.pk}/", HTTP_HOST=B_HOST).status_code == 200
    example = Plan.objects.create(municipality=ref, title="国分寺市の参考計画", is_example=True)
    assert example.title in client.get("/plans/staff/", HTTP_HOST=B_HOST).content.decode()
    assert client.get(f"/plans/staff/{example.pk}/", HTTP_HOST=B_HOST).status_code == 200
