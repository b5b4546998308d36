"""The datastore's side table on PostgreSQL (``opendata.datastore``): rows copied by triggers
into a table without row-level security, whose GIN index the planner can use (under RLS it could
not: ``@>`` is not leakproof). Drops 0002's GIN index on the city-owned rows, which was never
used and only slowed inserts."""

from django.db import migrations


def create(apps, schema_editor):
    from madoguchi.core import tenancy
    from madoguchi.opendata.datastore import schema_sql

    if schema_editor.connection.vendor != "postgresql":
        return
    tenancy.set_database_city(None, schema_editor.connection.alias)  # copy every city's rows
    schema_editor.execute("DROP INDEX IF EXISTS opendata_row_data_gin")
    for statement in schema_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    from madoguchi.opendata.datastore import drop_sql

    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("opendata", "0002_datastore_gin")]
    operations = [migrations.RunPython(create, drop)]
