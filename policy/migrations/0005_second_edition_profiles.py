"""POLICY.md, second edition: the shipped profiles get the new rules as new versions (past
decisions keep pointing at the versions that judged them), and two profiles join them:
US-NYC (NYC DCWP rules effective 1 Sep 2026) and EU-CCD2 (Directive (EU) 2023/2225)."""

from datetime import time
from decimal import Decimal

from django.db import migrations

NOTE = "Second edition: consent, forbearance, limitation periods, first contact (POLICY.md)."

CHANGES = {
    "CN": {
        "consent_channels": "sms email social",
        "first_contact_names_institution": True,
        "limitation_years": 3,
    },
    "US-REGF": {"limitation_years": 6, "time_barred_disclosure": True},
    "US-MA": {"limitation_years": 6, "time_barred_disclosure": True},
    "UK-FCA": {"limitation_years": 6, "forbearance_before_legal": True, "forbearance_window_days": 90},
}

NEW = {
    "US-NYC": (
        "US-REGF",
        {
            "name": "US New York City: 6 RCNY 5-76, 5-77, 2-193; 12 CFR 1006",
            "sources": "6 RCNY 5-76/5-77 and 2-193 as re-adopted 26 Feb 2026, effective 1 Sep 2026; "
            "12 CFR 1006; FCC TCPA revocation order (2024).",
            "attempts_per_account_7d": 3,
            "consent_channels": "sms email social",
            "consent_request_allowed": True,
            "stop_reply_scope": "channel",
            "limitation_years": 6,
            "time_barred_disclosure": True,
            "retention_years": 3,
            "fallback_time_zones": "America/New_York",
        },
    ),
    "EU-CCD2": (
        "UK-FCA",
        {
            "name": "EU Consumer Credit Directive 2: (EU) 2023/2225",
            "sources": "Directive (EU) 2023/2225 arts. 35-36, applying from 20 Nov 2026.",
            "contact_window_end": time(20, 0),
            "closed_weekdays": "7",
            "attempts_per_account_7d": 7,
            "forbearance_before_legal": True,
            "forbearance_window_days": 90,
            "default_charge_cap": Decimal("0.00"),
            "limitation_years": 5,
            "retention_years": 5,
            "fallback_time_zones": "Europe/Lisbon Europe/Helsinki",
        },
    ),
}


def latest(PolicyProfile, code):
    return PolicyProfile.objects.filter(code=code).order_by("-version").first()


def second_edition(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    for code, changes in CHANGES.items():
        profile = latest(PolicyProfile, code)
        if profile is None:
            continue
        profile.pk = None
        profile.version += 1
        profile.created_by = None
        profile.change_note = NOTE
        for name, value in changes.items():
            setattr(profile, name, value)
        profile.save()
    # The new profiles start from the latest (second-edition) version of a kindred one.
    for code, (based_on, values) in NEW.items():
        base = latest(PolicyProfile, based_on)
        if base is None or PolicyProfile.objects.filter(code=code).exists():
            continue
        base.pk = None
        base.code, base.version, base.created_by = code, 1, None
        base.change_note = "shipped profile (second edition)"
        for name, value in values.items():
            setattr(base, name, value)
        base.save()


def undo(apps, schema_editor):
    PolicyProfile = apps.get_model("policy", "PolicyProfile")
    PolicyProfile.objects.filter(change_note=NOTE).delete()
    PolicyProfile.objects.filter(code__in=list(NEW)).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_second_edition_fields")]
    operations = [migrations.RunPython(second_edition, undo)]
