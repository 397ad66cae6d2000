"""Every shipped profile gets the repayment-plan limits as a new version (past decisions
keep pointing at the versions that judged them): an instalment below 5% of the balance, or
a first instalment more than 30 days away, needs a supervisor's approval, as a plan longer
than the profile's longest plan already did."""

from decimal import Decimal

from django.db import migrations

NOTE = "Repayment plans: smallest instalment 5% of the balance, first instalment within 30 days."

LIMITS = {"plan_min_installment_percent": Decimal("5.00"), "plan_first_due_max_days": 30}


def ship(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    for code in PolicyProfile.objects.values_list("code", flat=True).distinct().order_by("code"):
        profile = PolicyProfile.objects.filter(code=code).order_by("-version").first()
        if all(getattr(profile, name) == value for name, value in LIMITS.items()):
            continue
        profile.pk = None
        profile.version += 1
        profile.created_by = None
        profile.change_note = NOTE
        for name, value in LIMITS.items():
            setattr(profile, name, value)
        profile.save()


def undo(apps, schema_editor):
    apps.get_model("policy", "PolicyProfile").objects.filter(change_note=NOTE).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0006_plan_limits")]
    operations = [migrations.RunPython(ship, undo)]
