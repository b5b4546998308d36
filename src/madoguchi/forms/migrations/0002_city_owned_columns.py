"""共同運営 (issue #10), step 1 of 3: every form, version and uploaded file carries its
municipality. Added nullable here, filled in 0003, made NOT NULL in 0004 (Upload stays nullable:
see 0003)."""

import django.db.models.deletion
from django.db import migrations, models


def _city(null: bool):
    return models.ForeignKey(
        null=null, blank=null, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_municipality_settings"),
        ("forms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="form", name="municipality", field=_city(True)),
        migrations.AddField(model_name="formversion", name="municipality", field=_city(True)),
        migrations.AddField(model_name="upload", name="municipality", field=_city(True)),
    ]
