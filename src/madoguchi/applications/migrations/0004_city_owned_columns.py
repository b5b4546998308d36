"""共同運営 (issue #10), step 1 of 3: every life event, case and case event carries its
municipality (nullable here, filled in 0005, NOT NULL in 0006), and receipt numbers are counted
per city: the per-year counter is set aside (0005 copies it into the new per-city counter, 0006
drops it)."""

import django.db.models.deletion
from django.db import migrations, models


def _city(null: bool):
    return models.ForeignKey(
        null=null, blank=null, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"
    )


def drop_policies(apps, schema_editor):
    """Undoing this migration drops the columns, which PostgreSQL refuses (or, cascading, leaves
    the table with row-level security and no policy) while the city policy (core.tenancy,
    applied after migrate) still uses them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ("applications_lifeevent", "applications_submission", "applications_submissionevent"):
        policy = f"madoguchi_city_{table}"[:63]  # as core.tenancy.rls_statements names it
        schema_editor.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_municipality_settings"),
        ("applications", "0003_correction_snapshot"),
    ]

    operations = [
        migrations.AddField(model_name="lifeevent", name="municipality", field=_city(True)),
        # Slugs stop being unique across cities now: 0005 gives each city its own copy.
        migrations.AlterField(model_name="lifeevent", name="slug", field=models.SlugField()),
        migrations.AddField(model_name="submission", name="municipality", field=_city(True)),
        migrations.AddField(model_name="submissionevent", name="municipality", field=_city(True)),
        migrations.RunPython(migrations.RunPython.noop, drop_policies, elidable=True),
        migrations.RenameModel("ReceiptCounter", "LegacyReceiptCounter"),
        migrations.CreateModel(
            name="ReceiptCounter",
            fields=[
                ("pk", models.CompositePrimaryKey("municipality", "fiscal_year", blank=True, editable=False, primary_key=True, serialize=False)),
                ("municipality", _city(False)),
                ("fiscal_year", models.PositiveIntegerField()),
                ("last", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "受付番号の採番", "verbose_name_plural": "受付番号の採番"},
        ),
    ]
