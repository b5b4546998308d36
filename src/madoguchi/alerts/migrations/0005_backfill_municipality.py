"""Each delivery gets its notice's city, each targeting consent its subscription's: one
set-based UPDATE per table (no row loop; a deployment may hold millions of deliveries)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    # Every city's rows: notices and subscriptions may already have row-level security (PostgreSQL).
    tenancy.set_database_city(None, using=db)
    Notice = apps.get_model("alerts", "Notice")
    Subscription = apps.get_model("alerts", "Subscription")
    apps.get_model("alerts", "Delivery").objects.using(db).filter(municipality__isnull=True).update(
        municipality_id=Subquery(Notice.objects.using(db).filter(pk=OuterRef("notice_id")).values("municipality_id")[:1])
    )
    apps.get_model("alerts", "TargetingConsent").objects.using(db).filter(municipality__isnull=True).update(
        municipality_id=Subquery(Subscription.objects.using(db).filter(pk=OuterRef("subscription_id")).values("municipality_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_city_columns"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
