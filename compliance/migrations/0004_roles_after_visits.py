"""Sync the role table once every app's permissions exist (visits and compliance each
synced before the other's models were there)."""
from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_roles_for_compliance"), ("visits", "0002_roles_for_visits")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
