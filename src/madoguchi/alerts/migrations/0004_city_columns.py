"""Deliveries and targeting consents carry their municipality (issue #10, 共同運営): added
nullable here, filled in 0005, made NOT NULL in 0006 (each step its own transaction, so that
PostgreSQL's deferred foreign-key checks of the backfill never meet the ALTER TABLE)."""

import django.db.models.deletion
from django.db import migrations, models


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
    ]
