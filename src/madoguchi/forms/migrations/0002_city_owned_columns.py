"""共同運営 (issue #10), step 1 of 3: every form, version and uploaded file carries its
municipality. Added nullable here, filled in 0003, made NOT NULL in 0004 (Upload stays nullable:
see 0003)."""

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
    for table in ("forms_form", "forms_formversion", "forms_upload"):
        policy = f"madoguchi_city_{table}"[:63]  # as core.tenancy.rls_statements names it
        schema_editor.execute(f'DROP POLICY IF EXISTS "{policy}" ON "{table}"')
        schema_editor.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
        schema_editor.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_municipality_settings"),
        ("forms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="form", name="municipality", field=_city(True)),
        migrations.AddField(model_name="formversion", name="municipality", field=_city(True)),
        migrations.AddField(model_name="upload", name="municipality", field=_city(True)),
        migrations.RunPython(migrations.RunPython.noop, drop_policies, elidable=True),
    ]
