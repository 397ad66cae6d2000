
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.contenttypes import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('cases', '0010_i18n_labels'),
    ]

    operations = [
        # JobRun moves here from the cases app: its table (cases_jobrun) and rows stay as they are.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='JobRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('job', models.CharField(db_index=True, max_length=60, verbose_name='job')),
                        ('trigger', models.CharField(default='beat', help_text='beat, admin, command or test', max_length=20, verbose_name='trigger')),
                        ('started_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='started at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('status', models.CharField(choices=[('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='running', max_length=10, verbose_name='status')),
                        ('counts', models.JSONField(blank=True, default=dict, verbose_name='counts')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='started by')),
                    ],
                    options={
                        'verbose_name': 'job run',
                        'verbose_name_plural': 'job runs',
                        'db_table': 'cases_jobrun',
                        'ordering': ['-started_at'],
                        'permissions': [('run_nightly_cycle', 'Can run the nightly cycle on demand')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(*move_content_types('cases', 'core', ['jobrun'])),
    ]
