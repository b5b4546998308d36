"""The four many-to-many links of alerts get their city (issue #10: every city-owned table
carries its municipality). Each keeps the table Django made for the plain many-to-many field
(``SeparateDatabaseAndState``: no data moves); the table's former unique (parent, target) gives
way to one that includes the municipality, filled by one set-based UPDATE per table."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# (through model, db table, parent model, parent field, target model, target field, m2m owner, m2m field, options)
LINKS = [
    (
        "SubscriptionTopic",
        "alerts_subscription_topics",
        "subscription",
        "Subscription",
        "topic",
        "Topic",
        "topics",
        {"related_name": "subscriptions", "verbose_name": "分野"},
    ),
    (
        "SubscriptionArea",
        "alerts_subscription_areas",
        "subscription",
        "Subscription",
        "area",
        "Area",
        "areas",
        {"blank": True, "related_name": "subscriptions", "verbose_name": "地域", "help_text": "選ばなければ市内全域"},
    ),
    ("NoticeArea", "alerts_notice_areas", "notice", "Notice", "area", "Area", "areas", {"blank": True, "related_name": "notices", "verbose_name": "対象地域"}),
    (
        "NoticeShelter",
        "alerts_notice_shelters",
        "notice",
        "Notice",
        "shelter",
        "Shelter",
        "shelters",
        {"blank": True, "related_name": "notices", "verbose_name": "開設する避難所"},
    ),
]


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    tenancy.set_database_city(None, using=db)  # every city's rows (row-level security)
    for name, _table, parent, parent_model, *_rest in LINKS:
        Parent = apps.get_model("alerts", parent_model)
        apps.get_model("alerts", name).objects.using(db).filter(municipality__isnull=True).update(
            municipality_id=Subquery(Parent.objects.using(db).filter(pk=OuterRef(f"{parent}_id")).values("municipality_id")[:1])
        )


def _operations():
    adopt, unique_off, add_city, city_required, constraints = [], [], [], [], []
    for name, table, parent, parent_model, target, target_model, m2m, options in LINKS:
        adopt += [
            migrations.CreateModel(
                name=name,
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    (parent, models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=f"alerts.{parent_model.lower()}")),
                    (target, models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=f"alerts.{target_model.lower()}")),
                ],
                options={"db_table": table, "unique_together": {(parent, target)}},
            ),
            migrations.AlterField(
                model_name=parent_model.lower(),
                name=m2m,
                field=models.ManyToManyField(through=f"alerts.{name}", to=f"alerts.{target_model.lower()}", **options),
            ),
        ]
        unique_off.append(migrations.AlterUniqueTogether(name=name.lower(), unique_together=set()))
        add_city.append(
            migrations.AddField(
                model_name=name.lower(),
                name="municipality",
                field=models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"
                ),
            )
        )
        city_required.append(
            migrations.AlterField(
                model_name=name.lower(),
                name="municipality",
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
            )
        )
        constraints.append(
            migrations.AddConstraint(
                model_name=name.lower(),
                constraint=models.UniqueConstraint(fields=("municipality", parent, target), name=f"alerts_{name.lower()}_once"),
            )
        )
    return [
        migrations.SeparateDatabaseAndState(state_operations=adopt, database_operations=[]),
        *unique_off,
        *add_city,
        migrations.RunPython(backfill, migrations.RunPython.noop),
        *city_required,
        *constraints,
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0006_city_constraints"),
        ("core", "0001_initial"),
    ]

    operations = _operations()
