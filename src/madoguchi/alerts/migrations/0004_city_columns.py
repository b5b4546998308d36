"""Deliveries and targeting consents carry their municipality (issue #10, 共同運営): added
nullable here, filled in 0005, made NOT NULL in 0006 (each step its own transaction, so that
PostgreSQL's deferred foreign-key checks of the backfill never meet the ALTER TABLE)."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ["delivery", "targetingconsent"]


def drop_policies(apps, schema_editor):
    """Undoing this migration drops the columns, which PostgreSQL refuses while the row-level
    security policy (core.tenancy, applied after migrate) still uses them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        table = f"alerts_{name}"
        policy = f"madoguchi_city_{table}"[:63]  # as core.tenancy.rls_statements names it
        schema_editor.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0003_notice_import_warning"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="municipality",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        ),
        migrations.AddField(
            model_name="targetingconsent",
            name="municipality",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        ),
        migrations.RunPython(migrations.RunPython.noop, drop_policies, elidable=True),
    ]
