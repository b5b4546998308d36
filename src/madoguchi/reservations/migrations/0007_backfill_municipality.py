"""共同運営 (issue #10), step 2 of 3: copy each row's municipality from its parent, one set-based
UPDATE per table (UPDATE … SET municipality_id = (SELECT … WHERE parent.id = child.parent_id)),
parents before children."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

# (model, parent foreign key, parent model), in an order where each parent is already filled.
STEPS = [
    ("Unit", "facility", "Facility"),
    ("OpeningHours", "facility", "Facility"),
    ("ClosedPeriod", "facility", "Facility"),
    ("FrameDefinition", "facility", "Facility"),
    ("Lottery", "facility", "Facility"),
    ("Fee", "unit", "Unit"),
    ("Booking", "unit", "Unit"),
    ("LotteryApplication", "lottery", "Lottery"),
    ("LotteryWish", "application", "LotteryApplication"),
    ("CounterHours", "counter", "Counter"),
    ("CounterSlot", "counter", "Counter"),
    ("QueueDay", "counter", "Counter"),
    ("QueueTicket", "counter", "Counter"),
    ("Visit", "slot", "CounterSlot"),
]


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    # Every city's rows: the parents' tables may already have row-level security (PostgreSQL).
    tenancy.set_database_city(None, using=db)
    for model_name, fk, parent_name in STEPS:
        model, parent = apps.get_model("reservations", model_name), apps.get_model("reservations", parent_name)
        city = parent.objects.using(db).filter(pk=OuterRef(f"{fk}_id")).values("municipality_id")[:1]
        model.objects.using(db).filter(municipality__isnull=True).update(municipality_id=Subquery(city))


class Migration(migrations.Migration):
    dependencies = [("reservations", "0006_city_owned_columns")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
