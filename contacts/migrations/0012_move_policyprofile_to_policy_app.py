
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0011_i18n_labels'),
        ('policy', '0001_initial'),
    ]

    operations = [
        # PolicyProfile moved to the policy app (policy/migrations/0001): the attempts' foreign keys point at the same table.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='policyprofile',
                    name='created_by',
                ),
                migrations.AlterField(
                    model_name='historicalcontactattempt',
                    name='profile',
                    field=models.ForeignKey(blank=True, db_constraint=False, help_text='The profile version that judged this attempt.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='policy.policyprofile', verbose_name='profile'),
                ),
                migrations.AlterField(
                    model_name='contactattempt',
                    name='profile',
                    field=models.ForeignKey(help_text='The profile version that judged this attempt.', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='policy.policyprofile', verbose_name='profile'),
                ),
                migrations.DeleteModel(
                    name='HistoricalPolicyProfile',
                ),
                migrations.DeleteModel(
                    name='PolicyProfile',
                ),
            ],
            database_operations=[],
        ),
    ]
