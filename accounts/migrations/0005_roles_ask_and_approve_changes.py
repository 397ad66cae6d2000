"""Administrators ask for and approve role and authenticator changes and issue enrolment
codes, but no longer delete a device themselves; reviewers read the requests and codes
(accounts/roles.py). Half-finished enrolments of the old page are dropped: their secret
was shown to everyone who reached the page with the password, so none may be confirmed."""

from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


def drop_shared_pending_devices(apps, schema_editor):
    apps.get_model("otp_totp", "TOTPDevice").objects.filter(confirmed=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_two_person_changes_and_enrolment_codes"),
        ("otp_totp", "0003_add_timestamps"),
        ("cases", "0011_delete_jobrun"),
        ("contacts", "0012_move_policyprofile_to_policy_app"),
        ("visits", "0006_verify_misses"),
        ("compliance", "0008_roles_after_ground_floor"),
        ("core", "0002_job_run_details"),
        ("policy", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(sync, migrations.RunPython.noop),
        migrations.RunPython(drop_shared_pending_devices, migrations.RunPython.noop),
    ]
