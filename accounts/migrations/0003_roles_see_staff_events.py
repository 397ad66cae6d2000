"""Administrators and compliance reviewers read the staff security events."""

from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_people_and_powers_audited"),
        ("visits", "0005_roles_see_visit_notices"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
