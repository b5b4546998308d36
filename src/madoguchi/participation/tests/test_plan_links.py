"""The plans pages list the participation items linked to each plan item, through the registry
(``core.registry.plan_item_links``, contributed by ``participation/plan_links.py``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core import registry
from madoguchi.participation import proposals, services
from madoguchi.participation.models import Consultation
from madoguchi.participation.survey_models import Survey, SurveyPlanItem
from madoguchi.plans.factories import ItemFactory, PlanFactory


def _consultation(staff, title, item_ids, **kw):
    today = timezone.localdate()
    c = Consultation(
        municipality=staff["section"].municipality,
        section=staff["section"],
        title=title,
        starts_on=kw.pop("starts_on", today - dt.timedelta(days=1)),
        ends_on=kw.pop("ends_on", today + dt.timedelta(days=10)),
        is_published=kw.pop("is_published", True),
        **kw,
    )
    return services.save_consultation(c, draft="# 第1章 総則\n本文", plan_item_ids=item_ids, staff=staff["clerk"])


def _survey(staff, title, item_id, *, is_published=True):
    today = timezone.localdate()
    s = Survey.objects.create(
        municipality=staff["section"].municipality,
        section=staff["section"],
        title=title,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
        is_published=is_published,
        results_public=True,
    )
    SurveyPlanItem.objects.create(survey=s, municipality=s.municipality, plan_item_id=item_id)
    return s


def test_public_plan_page_lists_linked_participation_per_item(client, city, staff):
    plan = PlanFactory(municipality=city, is_public=True)
    item, other_item, unlinked = ItemFactory(plan=plan, title="電子申請の拡大"), ItemFactory(plan=plan, title="窓口の改善"), ItemFactory(plan=plan)
    _consultation(staff, "電子申請計画（案）への意見", [item.pk])
    _consultation(staff, "下書きの意見公募", [item.pk], is_published=False)
    _consultation(
        staff, "終わった意見公募", [other_item.pk], starts_on=timezone.localdate() - dt.timedelta(days=20), ends_on=timezone.localdate() - dt.timedelta(days=5)
    )
    _survey(staff, "窓口アンケート", other_item.pk)
    _survey(staff, "未公開アンケート", item.pk, is_published=False)
    resident = staff["other"]
    visible = proposals.post_proposal(title="申請をスマホで", body="スマートフォンで申請したい。", author=resident, municipality=city)
    hidden = proposals.post_proposal(title="隠された提案", body="不適切な内容。", author=resident, municipality=city)
    for p in (visible, hidden):
        proposals.link_plan_items(p, [item.pk], staff=staff["clerk"])
    proposals.hide(hidden, reason="広告のため", staff=staff["clerk"])

    html = client.get(reverse("plans:public_detail", args=[plan.pk])).content.decode()
    assert "市民参加（パブリックコメント・アンケート・提案）" in html
    assert "電子申請計画（案）への意見" in html and "募集中" in html
    assert 'パブリックコメント: <a href="/participation/consultations/' in html
    assert "窓口アンケート" in html and "結果公表" in html and "終わった意見公募" in html and "募集終了" in html
    assert f'href="/participation/proposals/{visible.pk}/"' in html and "受付中" in html
    assert "下書きの意見公募" not in html and "未公開アンケート" not in html and "隠された提案" not in html
    assert unlinked.title not in html.split("市民参加（パブリックコメント")[1].split("進み具合")[0]


def test_staff_item_page_lists_its_links_and_nothing_when_none(client, city, staff):
    plan = PlanFactory(municipality=city)
    item, bare = ItemFactory(plan=plan, sections=[staff["section"]]), ItemFactory(plan=plan, sections=[staff["section"]])
    _consultation(staff, "取組の意見公募", [item.pk])
    login_staff(client, staff["clerk"])
    html = client.get(reverse("plans:item", args=[item.pk])).content.decode()
    assert "取組の意見公募" in html and "市民参加（" in html
    html = client.get(reverse("plans:item", args=[bare.pk])).content.decode()
    assert "市民参加（" not in html


def test_the_registry_entry_is_checked(city):
    assert "participation" in registry.plan_item_links
    assert registry.plan_item_links["participation"].check() == []

    class Broken(registry.PlanItemLinks):
        pass

    assert {m.id for m in Broken().check()} == {"madoguchi.E022"}
    assert registry.plan_item_links["participation"].links([]) == {}
