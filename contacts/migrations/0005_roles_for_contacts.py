from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0004_shipped_contact_rules"), ("cases", "0005_contactpoint_is_workplace_and_more")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
