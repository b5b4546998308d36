"""共同運営 (issue #10), step 1 of 3: every reservations table carries its municipality. The
column is added nullable here, filled from each row's parent in 0007, then made NOT NULL in 0008
(three migrations, three transactions: PostgreSQL refuses ALTER TABLE on a table with pending
deferred foreign-key checks from the backfill's UPDATEs)."""

import django.db.models.deletion
from django.db import migrations, models

CITY_OWNED = [
    "unit", "openinghours", "closedperiod", "framedefinition", "lottery", "fee", "booking",
    "lotteryapplication", "lotterywish", "counterhours", "counterslot", "queueday", "queueticket", "visit",
]  # fmt: skip


def drop_policies(apps, schema_editor):
    """Undoing this migration drops the columns, which PostgreSQL refuses while the row-level
    security policy (core.tenancy, applied after migrate) still uses them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CITY_OWNED:
        table = f"reservations_{name}"
        policy = f"madoguchi_city_{table}"[:63]  # as core.tenancy.rls_statements names it
        schema_editor.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("reservations", "0005_booking_cancellation_fee_refund"),
    ]

    operations = [
        migrations.AddField(
            model_name=name,
            name="municipality",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        )
        for name in CITY_OWNED
    ] + [migrations.RunPython(migrations.RunPython.noop, drop_policies, elidable=True)]
