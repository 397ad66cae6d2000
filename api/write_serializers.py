"""What the write endpoints read and answer. The loan and payment fields are the loan
feed's columns, taken as text and checked by the importer itself (cases/imports), so the
API and the CSV files accept and refuse exactly the same values with the same sentences;
these serializers only refuse unknown fields and describe the fields for the schema."""

from __future__ import annotations

from rest_framework import serializers

from cases.imports import ACCOUNT_COLUMNS, ACCOUNT_REQUIRED
from contacts.models import ContactAttempt
from policy.codes import Channel, Outcome

from .serializers import LANGUAGES, ErrorItem, Reason, StrictSerializer

ACCOUNT_HELP = {
    "borrower_name": "The borrower's full name.",
    "national_id": "The borrower's national ID: the same person across loans.",
    "date_of_birth": "YYYY-MM-DD.",
    "phone": "E.164 (+8613800138000) or national in the profile's region.",
    "address_latitude": "Decimal degrees (WGS 84), with address_longitude and postal_address.",
    "address_longitude": "Decimal degrees (WGS 84), with address_latitude and postal_address.",
    "electronic_consent": "yes / no: the loan contract's consent to SMS and e-mail at phone and email.",
    "home_time_zone": "An IANA time zone, e.g. Asia/Shanghai.",
    "language": "en or zh-hans.",
    "policy_profile_code": "The contact rules the borrower falls under (CN, US-FDCPA, US-NYC, UK-FCA, EU-CCD2, …).",
    "currency": "ISO 4217; an account keeps its currency.",
    "principal": "An amount as text: 1234.50.",
    "outstanding_principal": "An amount as text, at most the principal.",
    "outstanding_interest": "An amount as text.",
    "outstanding_fees": "An amount as text, within the profile's cap on default charges.",
    "oldest_unpaid_due_date": "YYYY-MM-DD; from it the days past due. Overdue: the case opens at once.",
    "last_acknowledged_on": "YYYY-MM-DD: the last payment or acknowledgement the loan system knows of.",
}


def _column(name: str, required: bool):
    return serializers.CharField(
        required=required,
        allow_blank=not required,
        trim_whitespace=False,
        max_length=1000,
        help_text=ACCOUNT_HELP.get(name, ""),
    )


# The accounts file's columns but the loan number, which is in the path.
LoanAccountWrite = type(
    "LoanAccountWrite",
    (StrictSerializer,),
    {name: _column(name, name in ACCOUNT_REQUIRED) for name in ACCOUNT_COLUMNS if name != "loan_number"},
)


class CaseSummary(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField(help_text="The case's state (DESIGN.md, state machines).")
    contact_stopped = serializers.BooleanField(
        help_text="True when the case is closed: no message can leave and no contact is allowed."
    )


class LoanAccountWritten(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["created", "updated"])
    loan_number = serializers.CharField()
    case_opened = serializers.BooleanField(help_text="This call opened the account's case (it is overdue).")
    case = CaseSummary(allow_null=True, help_text="The account's open case, if any.")


class Money(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()


class LoanAccountRead(serializers.Serializer):
    loan_number = serializers.CharField()
    outstanding = Money()
    days_past_due = serializers.IntegerField()
    case = CaseSummary(allow_null=True)
    on_hold = serializers.BooleanField(help_text="A hold (dispute, hardship, cease contact, …) is in force.")


class PaymentWrite(StrictSerializer):
    loan_number = serializers.CharField(max_length=1000)
    reference = serializers.CharField(
        max_length=1000, help_text="The lender's own reference: the same reference is recorded once."
    )
    amount = serializers.CharField(max_length=1000, help_text="An amount as text: 1234.50, more than 0.")
    paid_at = serializers.CharField(max_length=1000, help_text="ISO 8601 with its UTC offset.")
    currency = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="ISO 4217; omitted: the account's."
    )


class AppliedTo(serializers.Serializer):
    fees = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    principal = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    unapplied = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class PaymentRecorded(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["created", "unchanged"], help_text="unchanged: this reference was already recorded."
    )
    reference = serializers.CharField()
    loan_number = serializers.CharField()
    payment = Money()
    paid_at = serializers.DateTimeField()
    applied = AppliedTo()
    outstanding = Money(help_text="The account's balance after the payment.")
    case = CaseSummary(allow_null=True, help_text="The account's case (open, or the one this payment closed).")
    case_resolved = serializers.BooleanField(help_text="This payment cleared the balance and resolved the case.")
    messages_suppressed = serializers.IntegerField(
        help_text="Scheduled messages stopped by this payment, in the same transaction as this call."
    )


ATTEMPT_CHANNELS = [choice for choice in Channel.choices if choice[0] != Channel.FIELD_VISIT]
INBOUND_CHANNELS = [choice for choice in Channel.choices if choice[0] in (Channel.SMS, Channel.EMAIL)]


class ContactAttemptWrite(StrictSerializer):
    loan_number = serializers.CharField(max_length=40)
    channel = serializers.ChoiceField(choices=ATTEMPT_CHANNELS)
    destination = serializers.CharField(
        max_length=200, help_text="The phone number or e-mail address used: one of the borrower's contact points."
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    at = serializers.DateTimeField(required=False, help_text="When it happened (ISO 8601 with offset); omitted: now.")
    placed_by = serializers.ChoiceField(
        choices=[
            (ContactAttempt.PlacedBy.PERSON, "A person (an agent on the dialer)"),
            (ContactAttempt.PlacedBy.IVR, "Automated call (IVR)"),
            (ContactAttempt.PlacedBy.VOICE_BOT, "Voice bot"),
        ],
        default=ContactAttempt.PlacedBy.PERSON,
        help_text="Automated calls count toward every cap like any other call.",
    )
    callback_at = serializers.DateTimeField(required=False, help_text="With the outcome callback: when to call back.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=LANGUAGES, default="en", help_text="The reasons' language.")


class ContactAttemptRecorded(serializers.Serializer):
    attempt_id = serializers.IntegerField()
    loan_number = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = Reason(many=True)


class ContactAttemptRefused(serializers.Serializer):
    """409: the engine refused the contact; the attempt is stored as refused."""

    errors = ErrorItem(many=True, help_text="One per reason: its code, no field, and its sentence.")
    attempt_id = serializers.IntegerField(help_text="The refused attempt, as stored.")
    next_allowed_at = serializers.DateTimeField(allow_null=True)


class InboundMessageWrite(StrictSerializer):
    channel = serializers.ChoiceField(choices=INBOUND_CHANNELS)
    sender = serializers.CharField(max_length=255, help_text="The phone number or e-mail address it came from.")
    body = serializers.CharField(max_length=10_000, trim_whitespace=False)
    message_id = serializers.CharField(
        max_length=120, help_text="The platform's id: the same message handed over twice is recorded once."
    )


class InboundRecorded(serializers.Serializer):
    messages_recorded = serializers.IntegerField(help_text="One per borrower contact point the sender is.")
    keyword = serializers.CharField(allow_blank=True, help_text="The withdrawal keyword recognised, or empty.")
    consent_withdrawn = serializers.BooleanField()
    confirmation_queued = serializers.BooleanField(help_text="One confirmation message was queued.")
