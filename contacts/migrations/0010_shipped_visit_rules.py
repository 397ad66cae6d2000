"""POLICY.md field-visit numbers: CN needs two staff per visit; UK-FCA visits no
vulnerable borrower."""
from django.db import migrations


def apply_rules(apps, schema_editor):
    PolicyProfile = apps.get_model("contacts", "PolicyProfile")
    PolicyProfile.objects.filter(code="CN", version=1).update(visit_min_staff=2)
    PolicyProfile.objects.filter(code="UK-FCA", version=1).update(no_visit_if_vulnerable=True)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0009_visit_rules_and_message_context")]
    operations = [migrations.RunPython(apply_rules, migrations.RunPython.noop)]
