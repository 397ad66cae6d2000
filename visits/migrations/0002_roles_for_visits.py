from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial"), ("cases", "0009_alter_caseevent_kind"),
                    ("contacts", "0010_shipped_visit_rules")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
