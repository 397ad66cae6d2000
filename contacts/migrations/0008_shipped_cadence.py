from django.db import migrations


def email_weekly(apps, schema_editor):
    apps.get_model("contacts", "PolicyProfile").objects.filter(version=1).update(reminder_email_every_days=7)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_reminder_cadence")]
    operations = [migrations.RunPython(email_weekly, migrations.RunPython.noop)]
