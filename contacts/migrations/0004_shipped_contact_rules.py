"""POLICY.md's contact-rule numbers for the four shipped profiles (version 1: nothing
has been judged by them yet)."""
from datetime import time

from django.db import migrations

US_ZONES = "America/New_York America/Chicago America/Denver America/Los_Angeles"
RULES = {
    "CN": dict(contact_window_end=time(22, 0), fallback_time_zones="Asia/Shanghai",
               connected_calls_per_day=3, unanswered_calls_per_number_per_day=6, sms_per_day=1,
               attempts_per_borrower_7d=10, third_party_requires_unreachable=True),
    # 12 CFR 1006.14(b)(2): 7 placed calls in 7 days, 7-day wait after a conversation;
    # 1006.10: third parties once, for location only; 1006.14(b)(3)(i): prior consent.
    "US-REGF": dict(contact_window_end=time(21, 0), fallback_time_zones=US_ZONES, sms_per_day=1,
                    calls_per_debt_7d=7, calls_count_busy=False, conversation_wait_days=7,
                    third_party_max_per_person=1, overridable_reasons="weekly_cap post_conversation_wait"),
    # 940 CMR 7.04(1)(f): 2 calls or texts in 7 days to personal numbers, 2 in 30 days to others.
    "US-MA": dict(contact_window_end=time(21, 0), fallback_time_zones=US_ZONES, calls_per_debt_7d=2,
                  sms_counts_as_call=True, calls_to_workplace_30d=2, conversation_wait_days=7,
                  third_party_max_per_person=1),
    "UK-FCA": dict(contact_window_end=time(21, 0), fallback_time_zones="Europe/London", sms_per_day=1,
                   calls_per_debt_7d=7),
}


def apply_rules(apps, schema_editor):
    PolicyProfile = apps.get_model("contacts", "PolicyProfile")
    for code, values in RULES.items():
        PolicyProfile.objects.filter(code=code, version=1).update(contact_window_start=time(8, 0), **values)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0003_contact_rules_and_attempts")]
    operations = [migrations.RunPython(apply_rules, migrations.RunPython.noop)]
