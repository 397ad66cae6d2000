"""Gives the roles the team and workload permissions (cases/roles.py): supervisors and
reviewers see the teams and the workload page, administrators keep the teams."""

from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0024_team_members"),
        # The role sync sees every app's models, so no role loses a permission it holds.
        ("accounts", "0005_roles_ask_and_approve_changes"),
        ("audit", "0002_sealing_queue_and_keys"),
        ("compliance", "0009_finding_summary_codes"),
        ("contacts", "0019_callbacks"),
        ("core", "0002_job_run_details"),
        ("policy", "0007_ship_plan_limits"),
        ("visits", "0008_protected_uploads"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
