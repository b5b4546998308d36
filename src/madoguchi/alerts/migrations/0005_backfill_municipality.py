"""Each delivery gets its notice's city, each targeting consent its subscription's: one
set-based UPDATE per table (no row loop; a deployment may hold millions of deliveries)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    Notice = apps.get_model("alerts", "Notice")
    Subscription = apps.get_model("alerts", "Subscription")
    apps.get_model("alerts", "Delivery").objects.filter(municipality__isnull=True).update(
        municipality_id=Subquery(Notice.objects.filter(pk=OuterRef("notice_id")).values("municipality_id")[:1])
    )
    apps.get_model("alerts", "TargetingConsent").objects.filter(municipality__isnull=True).update(
        municipality_id=Subquery(Subscription.objects.filter(pk=OuterRef("subscription_id")).values("municipality_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0004_city_columns"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
