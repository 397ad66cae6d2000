"""Give the roles their sign-in security permissions (accounts/roles.py)."""
from django.db import migrations


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("otp_totp", "0003_add_timestamps"),
        ("cases", "0009_alter_caseevent_kind"),
        ("contacts", "0010_shipped_visit_rules"),
        ("compliance", "0004_roles_after_visits"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
