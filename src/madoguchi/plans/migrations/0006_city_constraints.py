"""The municipality is required on every plans table, and every unique constraint includes it
(a sharded layout distributes by municipality; Citus requires the distribution column in each
unique constraint). Constraint names are kept."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ["node", "item", "itemsection", "placement", "scheduleentry", "indicator", "indicatorvalue", "progressreport"]

# model → (constraint name, fields without the municipality)
UNIQUE = {
    "node": ("plan_node_unique_key", ("plan", "key")),
    "item": ("plan_item_unique_key", ("plan", "key")),
    "itemsection": ("plan_itemsection_unique", ("item", "section")),
    "placement": ("plan_placement_unique", ("item", "node")),
    "scheduleentry": ("plan_schedule_unique", ("item", "track", "fiscal_year")),
    "indicatorvalue": ("plan_indicatorvalue_unique", ("indicator", "fiscal_year")),
    "progressreport": ("plan_report_unique", ("item", "fiscal_year")),
}


def _operations():
    ops = [
        migrations.AlterField(
            model_name=name,
            name="municipality",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        )
        for name in MODELS
    ]
    for model, (constraint, fields) in UNIQUE.items():
        ops.append(migrations.RemoveConstraint(model_name=model, name=constraint))
        ops.append(migrations.AddConstraint(model_name=model, constraint=models.UniqueConstraint(fields=("municipality", *fields), name=constraint)))
    return ops


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0005_backfill_municipality"),
    ]

    operations = _operations()
