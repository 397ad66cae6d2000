"""US-MA, second edition: Massachusetts (940 CMR 7.04(1)(f)) counts calls where a message
could be left; a busy signal or a call that never connects is not one. The shipped
profile counted them. A new version, not an edit: decisions already taken keep pointing
at the version that judged them."""

from django.db import migrations

NOTE = "Busy signals and calls that never connect do not count (940 CMR 7.04(1)(f))."


def new_version(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    latest = PolicyProfile.objects.filter(code="US-MA").order_by("-version").first()
    if latest is None or not latest.calls_count_busy:
        return
    latest.pk = None
    latest.version += 1
    latest.calls_count_busy = False
    latest.created_by = None
    latest.change_note = NOTE
    latest.save()


def drop_version(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    PolicyProfile.objects.filter(code="US-MA", change_note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_field_labels")]
    operations = [migrations.RunPython(new_version, drop_version)]
