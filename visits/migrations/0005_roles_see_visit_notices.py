"""Whoever sees a field visit sees the notices that told the borrower of it."""
from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0004_visit_notice"),
        ("compliance", "0008_roles_after_ground_floor"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
