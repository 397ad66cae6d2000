from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_seal_existing_records"),
        ("cases", "0008_roles_for_outreach"),
        ("contacts", "0008_shipped_cadence"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
