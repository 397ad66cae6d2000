"""Ships the debt-advice referral message (EU CCD2 art. 36: a borrower in difficulty is
pointed to debt advice with the forbearance assessment), approved, in both languages the
site writes to borrowers; and gives the roles the forbearance and limitation permissions
(cases/roles.py).

In the cases app, not contacts: the forbearance assessment that sends it lives here, and
the contacts app's migrations belong to the outbox. The outbox finds the messages by
code (settings.REMINDER_TEMPLATE_CODES["debt_advice"])."""

from django.db import migrations
from django.utils import timezone

TEMPLATES = [
    (
        "sms-debt-advice",
        "zh-hans",
        "{borrower_name}您好，{lender_name}提示：您可获得免费、独立的债务咨询服务，"
        "帮助您规划还款。如需转介，请致电{hotline}。",
    ),
    (
        "sms-debt-advice-en",
        "en",
        "Hello {borrower_name}, {lender_name} here: free, independent debt advice is available to help "
        "you plan your repayments. For a referral, call {hotline}.",
    ),
]
NOTE = "shipped: debt-advice referral (EU CCD2 art. 36)"


def ship_templates(apps, schema_editor):
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    for code, language, body in TEMPLATES:
        if MessageTemplate.objects.filter(code=code).exists():
            continue  # an operator's own version stays
        MessageTemplate.objects.create(
            code=code, version=1, channel="sms", language=language, body=body, approved_at=timezone.now()
        )


def remove_templates(apps, schema_editor):
    # A plain DELETE: the model state a backward run hands this function may name columns a
    # later contacts migration added and has already taken away again (the order Django
    # unapplies migrations of several apps in is not the reverse of the order it applied them).
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    MessageTemplate.objects.filter(code__in=[code for code, *_rest in TEMPLATES], version=1)._raw_delete(
        schema_editor.connection.alias
    )


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0017_forbearance_and_limitation"),
        ("contacts", "0016_placed_by_and_template_purposes"),
        # The role sync sees every app's models, so no role loses a permission it holds.
        ("accounts", "0005_roles_ask_and_approve_changes"),
        ("audit", "0002_sealing_queue_and_keys"),
        ("compliance", "0009_finding_summary_codes"),
        ("core", "0002_job_run_details"),
        ("policy", "0005_second_edition_profiles"),
        ("visits", "0008_protected_uploads"),
    ]
    operations = [
        migrations.RunPython(ship_templates, remove_templates),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
