"""A procedure's life events get their city (issue #10: every city-owned table carries its
municipality). The link keeps the table Django made for the plain many-to-many field
(``SeparateDatabaseAndState``: no data moves); its unique (procedure, life event) gives way to
one that includes the municipality, filled by one set-based UPDATE."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    tenancy.set_database_city(None, using=db)  # every city's rows (row-level security)
    Procedure = apps.get_model("applications", "Procedure")
    apps.get_model("applications", "ProcedureLifeEvent").objects.using(db).filter(municipality__isnull=True).update(
        municipality_id=Subquery(Procedure.objects.using(db).filter(pk=OuterRef("procedure_id")).values("municipality_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_city_owned_constraints"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProcedureLifeEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("procedure", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="applications.procedure")),
                        ("lifeevent", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="applications.lifeevent")),
                    ],
                    options={"db_table": "applications_procedure_life_events", "unique_together": {("procedure", "lifeevent")}},
                ),
                migrations.AlterField(
                    model_name="procedure",
                    name="life_events",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="procedures",
                        through="applications.ProcedureLifeEvent",
                        to="applications.lifeevent",
                        verbose_name="ライフイベント",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterUniqueTogether(name="procedurelifeevent", unique_together=set()),
        migrations.AddField(
            model_name="procedurelifeevent",
            name="municipality",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="procedurelifeevent",
            name="municipality",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        ),
        migrations.AddConstraint(
            model_name="procedurelifeevent",
            constraint=models.UniqueConstraint(fields=("municipality", "procedure", "lifeevent"), name="applications_procedurelifeevent_once"),
        ),
    ]
