"""The comparison of plans shows, beside each measure, the previous plan's evaluation of the
measure it continues: 達成状況 on the scale read from the document, 今後の方向性, 引継ぎ (issue #13
item 6)."""

from django.urls import reverse

from madoguchi.core import tenancy
from madoguchi.plans.compare import compare, previous_evaluations, themes_of
from madoguchi.plans.importer import parse, save_preview
from madoguchi.plans.models import Item, ProgressReport

from .conftest import staff_login
from .test_importer_outline import doc


def test_compare_shows_the_previous_plans_evaluation_beside_the_measure(client, org):
    muni = org["muni"]
    with tenancy.using(muni):
        plan = save_preview(parse(doc("000_"), "000.txt"), muni, source_name="000.txt").plan
        linked = [it for it in plan.items.select_related("predecessor") if it.predecessor_id and themes_of(it)]
        assert linked, "the 000 seed links some measures to the previous plan's rows"
        item = linked[0]
        report = ProgressReport.objects.get(item=item.predecessor)
        prev = plan.predecessor
        scale = [r["label"] for r in prev.rating_scale]
        assert len(scale) >= 2 and prev.rating_label(report.rating) in scale  # read from the document
        theme = themes_of(item)[0]
        match = next(m for p, ms in compare([plan], theme)["rows"] for m in ms if m.item.pk == item.pk)
        assert match.previous["rating"] == prev.rating_label(report.rating)
        assert match.previous["direction"] == prev.direction_label(report.direction)
        assert match.previous["scale"] == scale and match.previous["measure"].pk == item.predecessor_id
        unlinked = plan.items.filter(predecessor__isnull=True).first()
        assert unlinked is None or unlinked.pk not in previous_evaluations([unlinked])

    staff_login(client, org["users"]["ip"])
    page = client.get(reverse("plans:compare"), {"plan": plan.pk, "theme": theme}).content.decode()
    assert "前計画の評価" in page
    row = page.split(item.title, 1)[1].split("</tr>", 1)[0]
    assert item.predecessor.title in row
    assert f"達成状況</dt><dd>{prev.rating_label(report.rating)}" in row
    assert " / ".join(scale) in row
    assert prev.direction_label(report.direction) in row
    if report.handover:
        assert report.handover.splitlines()[0] in row


def test_an_evaluation_only_from_an_accepted_report_of_the_latest_year(org):
    from madoguchi.plans.factories import ItemFactory

    muni = org["muni"]
    with tenancy.using(muni):
        old = ItemFactory(title="旧・電子申請の拡大")
        new = ItemFactory(title="電子申請の拡大", predecessor=old)
        prev = old.plan
        ProgressReport.objects.create(
            item=old, fiscal_year=2022, status="accepted", rating=prev.rating_scale[0]["code"], direction=prev.direction_scale[0]["code"]
        )
        ProgressReport.objects.create(item=old, fiscal_year=2023, status="draft", rating=prev.rating_scale[-1]["code"])
        got = previous_evaluations([Item.objects.get(pk=new.pk)])
        assert got[new.pk]["year"] == 2022 and got[new.pk]["rating"] == prev.rating_scale[0]["label"]
        ProgressReport.objects.create(item=old, fiscal_year=2024, status="accepted", rating=prev.rating_scale[1]["code"])
        assert previous_evaluations([Item.objects.get(pk=new.pk)])[new.pk]["year"] == 2024
