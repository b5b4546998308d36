"""The public plan page in real Chromium: axe-core finds no WCAG A/AA violation."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_public_plan_page_is_accessible(live_server, page, axe_check, org):
    from madoguchi.plans.demo import load_demo_plan

    plan = load_demo_plan(org["muni"])
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert plan.title in page.content()
    assert page.locator("table.gantt th[scope=col]").count() >= 4
    axe_check(page, "public plan page")
    page.goto(f"{live_server.url}/plans/")
    axe_check(page, "public plan list")


def test_imported_seed_plan_public_page_is_accessible(live_server, page, axe_check, org):
    """A real imported plan (label-block family: indicators, schedules, long texts) on the public page."""
    from madoguchi.plans.importer import parse, save_preview

    from .conftest import seed

    plan = save_preview(parse(seed("003"), "003.txt"), org["muni"], source_name="003.txt").plan
    page.goto(f"{live_server.url}/plans/{plan.pk}/")
    assert "行政手続のオンライン化" in page.content()
    axe_check(page, "imported plan page")
