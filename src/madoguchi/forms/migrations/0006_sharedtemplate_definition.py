"""SharedTemplate now inherits core.sharing_models.SharedTemplateBase, whose copied definition is
``definition``: the field is renamed in Django's state only; the column keeps its name
(``db_column="schema"``), so no row moves and nothing is rewritten."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0005_shared_templates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="sharedtemplate", old_name="schema", new_name="definition"),
                migrations.AlterField(
                    model_name="sharedtemplate",
                    name="definition",
                    field=models.JSONField(db_column="schema", default=dict, verbose_name="定義"),
                ),
            ],
            database_operations=[],
        ),
    ]
