"""Every plans table carries its municipality (issue #10, 共同運営): added nullable here, filled
in 0005, made NOT NULL in 0006 (each step its own transaction, so that PostgreSQL's deferred
foreign-key checks of the backfill never meet the ALTER TABLE)."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ["node", "item", "itemsection", "placement", "scheduleentry", "indicator", "indicatorvalue", "progressreport"]


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0003_indicator_metric_errors"),
    ]

    operations = [
        migrations.AddField(
            model_name=name,
            name="municipality",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        )
        for name in MODELS
    ]
