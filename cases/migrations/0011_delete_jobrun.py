
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_i18n_labels'),
        ('core', '0001_initial'),
    ]

    operations = [
        # JobRun moved to the core app (core/migrations/0001): only the state changes here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='JobRun',
                ),
            ],
            database_operations=[],
        ),
    ]
