from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_import_decisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="metric_errors",
            field=models.JSONField(blank=True, default=dict, verbose_name="連動した数値の集計エラー"),
        ),
    ]
