
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0006_accesslog_by_id'),
        ('audit', '0001_initial'),
    ]

    operations = [
        # The ledger and the access log moved to the audit app (audit/migrations/0001).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='accesslog',
                    name='borrower',
                ),
                migrations.RemoveField(
                    model_name='accesslog',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='accesslog',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='AuditLedger',
                ),
                migrations.DeleteModel(
                    name='AuditLedgerHead',
                ),
                migrations.DeleteModel(
                    name='AccessLog',
                ),
            ],
            database_operations=[],
        ),
    ]
