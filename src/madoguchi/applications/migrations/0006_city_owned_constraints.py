"""共同運営 (issue #10), step 3 of 3: the municipality is required, and every unique constraint
includes it (first: the distribution column of a sharded layout must be in each of them).
Slugs, case ids, receipt numbers and idempotency keys are unique per city."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("applications", "0005_backfill_municipality")]

    operations = [
        *(
            migrations.AlterField(
                model_name=name,
                name="municipality",
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
            )
            for name in ("lifeevent", "submission", "submissionevent")
        ),
        migrations.DeleteModel("LegacyReceiptCounter"),
        migrations.AlterField(model_name="procedure", name="slug", field=models.SlugField(max_length=80, verbose_name="識別子")),
        migrations.AlterField(model_name="submission", name="uuid", field=models.UUIDField(default=uuid.uuid4, editable=False)),
        migrations.AlterField(
            model_name="submission", name="receipt_number", field=models.CharField(blank=True, max_length=20, null=True, verbose_name="受付番号")
        ),
        migrations.AlterField(model_name="submission", name="idempotency_key", field=models.CharField(blank=True, max_length=64, null=True)),
        migrations.AddConstraint(model_name="lifeevent", constraint=models.UniqueConstraint(fields=("municipality", "slug"), name="lifeevent_unique_slug")),
        migrations.AddConstraint(model_name="procedure", constraint=models.UniqueConstraint(fields=("municipality", "slug"), name="procedure_unique_slug")),
        migrations.AddConstraint(model_name="submission", constraint=models.UniqueConstraint(fields=("municipality", "uuid"), name="submission_unique_uuid")),
        migrations.AddConstraint(
            model_name="submission", constraint=models.UniqueConstraint(fields=("municipality", "receipt_number"), name="submission_unique_receipt_number")
        ),
        migrations.AddConstraint(
            model_name="submission", constraint=models.UniqueConstraint(fields=("municipality", "idempotency_key"), name="submission_unique_idempotency_key")
        ),
    ]
