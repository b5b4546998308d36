"""A bound metric that fails is logged and shown to staff as 「集計エラー」: never a silent 0 or
blank, never stored, and a good value stored before is kept."""

import logging
from decimal import Decimal

import pytest
from django.urls import reverse

from madoguchi.core.registry import Metric, metrics
from madoguchi.plans import services
from madoguchi.plans.demo import load_demo_plan
from madoguchi.plans.models import Indicator, IndicatorValue, Item

from .conftest import staff_login


class Broken(Metric):
    label = "壊れた数値"
    unit = "件"

    def compute(self, municipality, fiscal_year):
        raise ZeroDivisionError("broken on purpose")


@pytest.fixture
def broken():
    metrics.register("test_broken", Broken)
    yield "test_broken"
    metrics.unregister("test_broken")


@pytest.fixture
def plan(org):
    return load_demo_plan(org["muni"])


def test_failing_metric_is_logged_and_shown_as_an_error(client, org, plan, broken, caplog):
    year = plan.start_year
    item = Item.objects.get(plan=plan, number="6")
    ind = Indicator.objects.create(item=item, name="壊れた指標", unit="件", metric=broken)
    IndicatorValue.objects.create(indicator=ind, fiscal_year=year, value=Decimal(5), source=IndicatorValue.Source.METRIC)

    with caplog.at_level(logging.ERROR, logger="madoguchi.core.registry"):
        services.fill_bound_indicators(year, plan=plan)
    assert any("test_broken" in r.getMessage() and r.exc_info for r in caplog.records)
    ind.refresh_from_db()
    assert ind.actual(year) == Decimal(5)  # the good stored value is not overwritten
    assert ind.metric_failed(year) and not ind.metric_failed(year + 1)

    row = next(r for r in services.dashboard(plan, year)["indicators"] if r["indicator"].pk == ind.pk)
    assert row["error"] and not row["unavailable"]

    staff_login(client, org["users"]["ip"])
    dashboard = client.get(reverse("plans:dashboard", args=[plan.pk]) + f"?year={year}").content.decode()
    assert "集計エラー" in dashboard
    page = client.get(reverse("plans:item", args=[item.pk])).content.decode()
    assert "集計エラー" in page

    # Fixed: the next computation clears the error and stores the figure.
    metrics.unregister(broken)
    metrics.register(broken, Fixed)
    services.fill_bound_indicators(year, plan=plan)
    ind.refresh_from_db()
    assert not ind.metric_failed(year) and ind.actual(year) == Decimal(7)
    assert "集計エラー" not in client.get(reverse("plans:item", args=[item.pk])).content.decode()


class Fixed(Metric):
    label = "直った数値"
    unit = "件"

    def compute(self, municipality, fiscal_year):
        return 7


def test_binding_to_a_failing_metric_stores_nothing_and_says_so(client, org, plan, broken, caplog):
    item = Item.objects.get(plan=plan, number="6")
    ind = Indicator.objects.create(item=item, name="壊れた指標", unit="件")
    staff_login(client, org["users"]["ip"])
    with caplog.at_level(logging.ERROR, logger="madoguchi.core.registry"):
        resp = client.post(reverse("plans:bind_indicator", args=[ind.pk]), {f"ind{ind.pk}-metric": broken, f"ind{ind.pk}-unit": "件"}, follow=True)
    assert resp.status_code == 200
    ind.refresh_from_db()
    assert ind.metric == broken and not ind.values.exists()
    assert "集計エラー" in resp.content.decode()
    assert any("test_broken" in r.getMessage() for r in caplog.records)
