
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from core.contenttypes import move_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('compliance', '0006_accesslog_by_id'),
    ]

    operations = [
        # The ledger and the access log move here from the compliance app; tables, rows and the chain stay.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditLedger',
                    fields=[
                        ('seq', models.BigIntegerField(primary_key=True, serialize=False, verbose_name='seq')),
                        ('table_name', models.CharField(max_length=100, verbose_name='table name')),
                        ('row_pk', models.BigIntegerField(verbose_name='row pk')),
                        ('fields', models.TextField(help_text='Column names hashed, space-separated.', verbose_name='fields')),
                        ('content_hash', models.CharField(max_length=64, verbose_name='content hash')),
                        ('previous_hash', models.CharField(max_length=64, verbose_name='previous hash')),
                        ('entry_hash', models.CharField(max_length=64, verbose_name='entry hash')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                    ],
                    options={
                        'verbose_name': 'audit ledger entry',
                        'verbose_name_plural': 'audit ledger',
                        'db_table': 'compliance_auditledger',
                        'ordering': ['-seq'],
                        'permissions': [('verify_audit_chain', 'Can verify the audit chain')],
                        'constraints': [models.UniqueConstraint(fields=('table_name', 'row_pk'), name='audit_ledger_row_once')],
                    },
                ),
                migrations.CreateModel(
                    name='AuditLedgerHead',
                    fields=[
                        ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False, verbose_name='id')),
                        ('last_seq', models.BigIntegerField(default=0, verbose_name='last seq')),
                        ('last_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64, verbose_name='last hash')),
                    ],
                    options={
                        'verbose_name': 'audit ledger head',
                        'verbose_name_plural': 'audit ledger heads',
                        'db_table': 'compliance_auditledgerhead',
                        'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_ledger_head_single_row')],
                    },
                ),
                migrations.CreateModel(
                    name='AccessLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('borrower_id', models.BigIntegerField(db_index=True, verbose_name='borrower')),
                        ('case_id', models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name='case')),
                        ('where', models.CharField(help_text='The page or export: case page, dossier, dossier CSV…', max_length=100, verbose_name='where')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                        ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='ip')),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'verbose_name': 'personal-data access',
                        'verbose_name_plural': 'personal-data access log',
                        'db_table': 'compliance_accesslog',
                        'ordering': ['-at'],
                        'indexes': [models.Index(fields=['borrower_id', 'at'], name='access_borrower_time'), models.Index(fields=['user', 'at'], name='access_user_time')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(*move_content_types('compliance', 'audit', ['auditledger', 'auditledgerhead', 'accesslog'])),
    ]
