"""A GIN index on the datastore rows' JSON (PostgreSQL only), so datastore_search's filters
(``data @> '{"列": "値"}'``) are index lookups on a 200,000-row resource, not a scan."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS opendata_row_data_gin ON opendata_datastorerow USING gin (data jsonb_path_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS opendata_row_data_gin")


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
