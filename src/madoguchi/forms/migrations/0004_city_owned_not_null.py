"""共同運営 (issue #10), step 3 of 3: a form and its versions always have a municipality. (Upload
stays nullable for files uploaded before: see 0003.)"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("forms", "0003_backfill_municipality")]

    operations = [
        migrations.AlterField(
            model_name=name,
            name="municipality",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        )
        for name in ("form", "formversion")
    ]
