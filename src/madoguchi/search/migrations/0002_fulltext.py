"""The database's full-text index of the entries: an FTS5 table kept by triggers (SQLite), or a
generated tsvector column with GIN indexes and pg_trgm (PostgreSQL). SQL in search.backends."""

from django.db import migrations


def create(apps, schema_editor):
    from madoguchi.search.backends import schema_sql

    for statement in schema_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    from madoguchi.search.backends import drop_sql

    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
