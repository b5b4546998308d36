"""Each row gets its plan's city, parents before children: one set-based UPDATE per table."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

# (model, foreign key, parent model) in an order where each parent is filled before its children
STEPS = [
    ("Node", "plan_id", "Plan"),
    ("Item", "plan_id", "Plan"),
    ("ItemSection", "item_id", "Item"),
    ("Placement", "item_id", "Item"),
    ("ScheduleEntry", "item_id", "Item"),
    ("Indicator", "item_id", "Item"),
    ("ProgressReport", "item_id", "Item"),
    ("IndicatorValue", "indicator_id", "Indicator"),
]


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    # Every city's rows: plans may already have row-level security (PostgreSQL).
    tenancy.set_database_city(None, using=db)
    for model, fk, parent in STEPS:
        Parent = apps.get_model("plans", parent)
        apps.get_model("plans", model).objects.using(db).filter(municipality__isnull=True).update(
            municipality_id=Subquery(Parent.objects.using(db).filter(pk=OuterRef(fk)).values("municipality_id")[:1])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0004_city_columns"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
