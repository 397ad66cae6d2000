from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("api", "0004_webhooks")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
