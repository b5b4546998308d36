"""Gaps found by the audit: 各課 items, the section view's reporting year and report status,
reopening accepted reports, editing an item's sections and indicators, metrics of closed
years, and re-import matching."""

import pytest
from django.urls import reverse

from madoguchi.plans import services
from madoguchi.plans.demo import load_demo_plan
from madoguchi.plans.models import Item

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
    from madoguchi.core.models import Municipality, Section
    from madoguchi.plans.models import Plan

    other = Municipality.objects.create(name="別市", code="139980")
    Section.objects.create(municipality=other, name="市民課")
    other_plan = Plan.objects.create(municipality=other, title="別市DX計画")
    foreign = Item.objects.create(plan=other_plan, key="x", number="1", title="別市の全課取組", all_sections=True)
    shimin = org["users"]["shimin"]
    assert not services.can_view_item(shimin, foreign) and not services.can_file(shimin, foreign)
