"""Supervisors and compliance reviewers read the KPI dashboard (desk/roles.py)."""

from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0002_kpi_snapshots"),
        ("accounts", "0005_roles_ask_and_approve_changes"),
        ("cases", "0023_worklist_covering_indexes"),
        ("compliance", "0009_finding_summary_codes"),
        ("contacts", "0019_callbacks"),
        ("core", "0003_jobrun_queued_exclusive"),
        ("policy", "0007_ship_plan_limits"),
        ("visits", "0008_protected_uploads"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
