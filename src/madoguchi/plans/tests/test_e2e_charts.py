"""Issue #12 item 11 in real Chromium at 360 px: the plan dashboard with its charts fits the
screen (no sideways scrolling), each chart's table opens with one click (and is printed open),
and axe-core finds no WCAG A/AA violation, with the tables closed and open."""

from decimal import Decimal

import pytest

from madoguchi.accounts.testing import staff_login_in_browser
from madoguchi.core.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_charts_fit_360px_and_are_accessible(live_server, page, axe_check, reflow_check, org):
    from madoguchi.plans.demo import load_demo_plan
    from madoguchi.plans.models import Indicator, IndicatorValue, Item

    plan = load_demo_plan(org["muni"])
    ind = Indicator.objects.create(item=Item.objects.get(plan=plan, number="1"), name="手続のオンライン化率", unit="%", target=Decimal(80))
    IndicatorValue.objects.create(indicator=ind, fiscal_year=plan.start_year, value=Decimal(40))
    staff_login_in_browser(page, live_server.url, org["users"]["ip"].email, PASSWORD)
    page.goto(f"{live_server.url}/plans/staff/{plan.pk}/dashboard/?year={plan.start_year}")
    charts = page.locator("figure.chart svg[role=img]")
    assert charts.count() == 5  # phases, reports, ratings, achievement, schedule
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box["width"] <= 360 and box["height"] > 40
    reflow_check(page, "plan dashboard with charts")
    axe_check(page, "plan dashboard with charts")

    timeline = page.locator("figure.chart--timeline")
    timeline.locator("summary").click()
    table = timeline.locator("table")
    assert table.is_visible() and table.locator("tbody tr").count() >= 3
    reflow_check(page, "plan dashboard, schedule table open")  # the wide table scrolls in its own box
    axe_check(page, "plan dashboard, schedule table open")

    page.reload()  # printed, every chart's table is there without a click
    page.emulate_media(media="print")
    closed = page.locator("figure.chart").first.locator("table")
    assert page.locator("figure.chart details[open]").count() == 0 and closed.is_visible()
