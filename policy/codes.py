"""
The shared codes every app speaks: policy profiles, contact channels and outcomes, and
the compliance engine's reason codes. Stored as these strings, rendered through their
labels in the reader's language.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileCode(models.TextChoices):
    CN = "CN", _("China (default)")
    US_REGF = "US-REGF", _("US Regulation F")
    US_MA = "US-MA", _("US Massachusetts")
    UK_FCA = "UK-FCA", _("UK FCA")
    US_NYC = "US-NYC", _("US New York City")
    EU_CCD2 = "EU-CCD2", _("EU Consumer Credit Directive 2")


class Reason(models.TextChoices):
    """Stable reason codes of the compliance engine (DESIGN.md)."""

    OUTSIDE_HOURS = "outside_hours", _("Outside the borrower's contact hours")
    DAILY_CAP = "daily_cap", _("Daily limit reached")
    WEEKLY_CAP = "weekly_cap", _("Weekly limit reached")
    POST_CONVERSATION_WAIT = "post_conversation_wait", _("Waiting period after a conversation")
    CEASE_REQUESTED = "cease_requested", _("Borrower asked us to stop contacting them")
    CHANNEL_OPT_OUT = "channel_opt_out", _("Borrower opted out of this channel")
    CASE_ON_HOLD = "case_on_hold", _("Case is on hold")
    CASE_CLOSED = "case_closed", _("Case is closed or the debt is paid")
    STAGE_NOT_REACHED = "stage_not_reached", _("The case has not reached the rung for this channel")
    NO_APPROVED_VISIT = "no_approved_visit", _("No approved field visit")
    INVALID_CONTACT_POINT = "invalid_contact_point", _("Contact point is known to be invalid")
    THIRD_PARTY_LIMIT = "third_party_limit", _("Third-party contact not allowed now")
    HOLIDAY = "holiday", _("Public holiday")
    CLOSED_DAY = "closed_day", _("No contact on this day of the week")
    TEMPLATE_NOT_APPROVED = "template_not_approved", _("Message template not approved")
    CONSENT_REQUIRED = "consent_required", _("No recorded consent for this channel")
    TIME_BARRED = "time_barred", _("The debt is time-barred")
    FIRST_CONTACT_IDENTITY = "first_contact_identity", _("A first contact must name the lender")


# Refusals no supervisor can override: they protect the borrower's own requests,
# closed debts, and the escalation ladder.
NEVER_OVERRIDABLE = {
    Reason.CEASE_REQUESTED,
    Reason.CHANNEL_OPT_OUT,
    Reason.CASE_ON_HOLD,
    Reason.CASE_CLOSED,
    Reason.STAGE_NOT_REACHED,
    Reason.NO_APPROVED_VISIT,
    Reason.INVALID_CONTACT_POINT,
    Reason.TEMPLATE_NOT_APPROVED,
    Reason.CONSENT_REQUIRED,
    Reason.TIME_BARRED,
    Reason.FIRST_CONTACT_IDENTITY,
}


class Channel(models.TextChoices):
    PHONE_CALL = "phone_call", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    SOCIAL = "social", _("Social media private message")
    FIELD_VISIT = "field_visit", _("Field visit")


ELECTRONIC_CHANNELS = {Channel.SMS, Channel.EMAIL, Channel.SOCIAL}


class RevocationScope(models.TextChoices):
    """How far a withdrawal of consent reaches (POLICY.md second edition, "Consent")."""

    CONTACT_POINT = "contact_point", _("This contact point")
    CHANNEL = "channel", _("This channel")
    ELECTRONIC = "electronic", _("All electronic channels")
    EVERYTHING = "everything", _("Every channel")


# Which kind of contact point each channel reaches.
CHANNEL_POINT_KIND = {
    Channel.PHONE_CALL: "phone",
    Channel.SMS: "phone",
    Channel.EMAIL: "email",
    Channel.LETTER: "postal",
    Channel.SOCIAL: "social",
    Channel.FIELD_VISIT: "postal",
}


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy / network failure")
    VOICEMAIL = "voicemail", _("Voicemail left (limited content)")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    THIRD_PARTY = "third_party", _("Reached a third party")
    RIGHT_PARTY = "right_party", _("Reached the borrower")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    REFUSED_TO_PAY = "refused_to_pay", _("Refused to pay")
    DISPUTES_DEBT = "disputes_debt", _("Disputes the debt")
    REQUESTS_CEASE = "requests_cease", _("Requests no further contact")
    HARDSHIP = "hardship", _("Hardship claimed")
    CALLBACK = "callback", _("Callback requested")
    SENT = "sent", _("Sent (message, letter)")


class VisitOutcome(models.TextChoices):
    """What happened at the door: the first thing the report asks, and what decides which
    of its other fields are required (visits/report_rules.py); a case event names it."""

    MET_BORROWER = "met_borrower", _("Met the borrower")
    NOT_AT_HOME = "not_at_home", _("Nobody at home")
    REFUSED_ENTRY = "refused_entry", _("Refused to open or to talk")
    WRONG_ADDRESS = "wrong_address", _("Wrong address: the borrower is not known there")
    THIRD_PARTY_ONLY = "third_party_only", _("Met only someone else")


# Outcomes in which someone answered: connected calls (CN) and "reached the borrower".
BORROWER_REACHED = {
    Outcome.RIGHT_PARTY,
    Outcome.PROMISE_TO_PAY,
    Outcome.REFUSED_TO_PAY,
    Outcome.DISPUTES_DEBT,
    Outcome.REQUESTS_CEASE,
    Outcome.HARDSHIP,
    Outcome.CALLBACK,
}
CONNECTED = BORROWER_REACHED | {Outcome.THIRD_PARTY, Outcome.WRONG_NUMBER}
UNANSWERED = {Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL}
FAILED_REMOTE = UNANSWERED | {Outcome.WRONG_NUMBER}
