"""The four profiles of POLICY.md, version 1. Contact-rule numbers join them with the
compliance engine; the ladder guards below are the lender's own practice in every
jurisdiction."""
from django.db import migrations

SHIPPED = [
    ("CN", "China (NIFA 2018/2024, CBA 2026 guideline)", 5,
     "NIFA 互联网金融逾期债务催收自律公约（试行）(2018); NIFA 互联网金融贷后催收业务指引 (2024); "
     "China Banking Association 金融机构个人消费类贷款催收工作指引（试行）(2026); Civil Code art. 1033; PIPL."),
    ("US-REGF", "US federal: Regulation F (12 CFR 1006)", 3,
     "12 CFR 1006.6, 1006.14, 1006.22(f)(4), 1006.34, 1006.38, 1006.100."),
    ("US-MA", "US Massachusetts: 940 CMR 7.00 / 209 CMR 18.00", 3,
     "940 CMR 7.04(1)(f); 209 CMR 18.16–18.17; plus Regulation F."),
    ("UK-FCA", "UK: FCA CONC 7 and the Debt Respite Scheme", 6,
     "FCA CONC 7.3, 7.9, 7.14; Debt Respite Scheme (Breathing Space) Regulations 2020 (SI 2020/1311)."),
]


def create_profiles(apps, schema_editor):
    PolicyProfile = apps.get_model("contacts", "PolicyProfile")
    for code, name, retention_years, sources in SHIPPED:
        PolicyProfile.objects.get_or_create(
            code=code, version=1,
            defaults={"name": name, "retention_years": retention_years, "sources": sources,
                      "change_note": "shipped profile"},
        )


class Migration(migrations.Migration):
    dependencies = [("contacts", "0001_initial")]
    operations = [migrations.RunPython(create_profiles, migrations.RunPython.noop)]
