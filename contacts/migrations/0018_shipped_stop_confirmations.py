"""The one message confirming a reply STOP (POLICY.md second edition, "Consent"), shipped
approved in both languages on both channels a borrower can reply on: a withdrawal must be
confirmable from the first day, before anyone has written a template. They are required
notices flagged ``is_stop_confirmation``, the engine's one exception to a withdrawal
(contacts/engine/consent.py). A later version an administrator writes replaces them the
usual way. And the roles get the consent ledger's permissions (contacts/roles.py)."""

from django.db import migrations
from django.utils import timezone

TEMPLATES = [
    ("sms-stop-confirmation", "sms", "zh-hans", "",
     "{lender_name}：已收到您的退订，我们不会再通过短信联系您。如有疑问，请致电{hotline}。"),
    ("sms-stop-confirmation-en", "sms", "en", "",
     "{lender_name}: you have opted out. We will send you no more text messages here. Questions: {hotline}."),
    ("email-stop-confirmation", "email", "zh-hans", "{lender_name}：退订确认",
     "{borrower_name}您好：\n\n我们已收到您的退订，不会再通过电子邮件联系您。如有疑问，请致电{hotline}。\n\n{lender_name}"),
    ("email-stop-confirmation-en", "email", "en", "{lender_name}: you have unsubscribed",
     "Dear {borrower_name},\n\nWe have received your request and will send you no more emails here. "
     "Questions: {hotline}.\n\n{lender_name}"),
]  # fmt: skip


def ship(apps, schema_editor):
    MessageTemplate = apps.get_model("contacts", "MessageTemplate")
    now = timezone.now()
    for code, channel, language, subject, body in TEMPLATES:
        if MessageTemplate.objects.filter(code=code).exists():
            continue  # a deployment that wrote its own keeps it
        MessageTemplate.objects.create(
            code=code,
            version=1,
            channel=channel,
            language=language,
            subject=subject,
            body=body,
            is_required_notice=True,
            is_stop_confirmation=True,
            created_at=now,
            approved_at=now,
        )


def sync(apps, schema_editor):
    from core.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("contacts", "0017_consent_ledger")]
    operations = [
        migrations.RunPython(ship, migrations.RunPython.noop),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
