"""Test factories for DX plans (計画): a plan, its measures (取組) and their sections (担当課).

    plan = PlanFactory(start_year=2026, end_year=2030)     # the current city's, public, 策定済
    item = ItemFactory(plan=plan, sections=[shimin])        # 取組 1, 市民課 leads

Realistic whole plans come from ``plans.demo.load_demo_plan(municipality)`` (the demo city's
small plan) or the importer and its seed files.
"""

from __future__ import annotations

import factory

from madoguchi.core.factories import CityOwnedFactory, current_municipality

from .models import Item, ItemSection, Plan


class PlanFactory(CityOwnedFactory):
    class Meta:
        model = Plan

    municipality = factory.LazyFunction(current_municipality)
    title = factory.Sequence(lambda n: f"テスト市DX推進計画{n}")
    start_year = 2026
    end_year = 2030
    level_names = factory.LazyFunction(lambda: ["基本方針", "施策", "取組"])


class ItemFactory(CityOwnedFactory):
    """取組 of a plan; ``sections=[...]``: its 担当課, the first one leading."""

    class Meta:
        model = Item
        skip_postgeneration_save = True

    plan = factory.SubFactory(PlanFactory)
    key = factory.Sequence(lambda n: f"item-{n}")
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"テストの取組{n}")

    @factory.post_generation
    def sections(obj, create, extracted, **kwargs):
        if create and extracted:
            for order, section in enumerate(extracted):
                ItemSection.objects.create(item=obj, section=section, is_lead=(order == 0), order=order)
