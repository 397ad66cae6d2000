from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_job_run_permission"), ("contacts", "0008_shipped_cadence")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
