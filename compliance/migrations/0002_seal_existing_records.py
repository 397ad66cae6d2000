"""Start the audit chain: the head row, then one ledger entry for every history row, case
event and access-log row that exists already (written before the chain existed, they are
sealed as they stand today)."""
from django.db import migrations


def seal_existing(apps, schema_editor):
    from simple_history.models import HistoricalChanges

    from audit.ledger import seal_unsealed

    chained = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    chained += [apps.get_model("cases", "CaseEvent"), apps.get_model("compliance", "AccessLog")]
    seal_unsealed(chained, ledger=apps.get_model("compliance", "AuditLedger"),
                  head=apps.get_model("compliance", "AuditLedgerHead"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]
    operations = [migrations.RunPython(seal_existing, migrations.RunPython.noop)]
