"""The roles get their permissions under the ground floor's app labels (core.run_nightly_cycle,
policy.change_policyprofile, audit.verify_audit_chain…): the content types were renamed when
the models moved, so the groups kept them; this makes the groups match the roles.py files."""
from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0007_move_audit_to_audit_app"),
        ("core", "0001_initial"),
        ("cases", "0011_delete_jobrun"),
        ("policy", "0001_initial"),
        ("contacts", "0012_move_policyprofile_to_policy_app"),
        ("visits", "0003_i18n_labels"),
        ("accounts", "0001_roles_for_sign_in_security"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
