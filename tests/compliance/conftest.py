"""Fixtures for the compliance workspace: its URLs, and crafted contact history."""
from datetime import timedelta

from django.test import Client
from django.utils import timezone
import pytest

from policy.codes import Channel, Outcome
from contacts.models import ContactAttempt
from policy.selectors import current_profile
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def compliance_urls(settings):
    settings.ROOT_URLCONF = "tests.compliance.urls"


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def ago(days=0, hours=0, minutes=0):
    return timezone.now() - timedelta(days=days, hours=hours, minutes=minutes)


def attempt(case, at, *, agent=None, allowed=True, reasons=(), channel=Channel.PHONE_CALL, outcome=Outcome.NO_ANSWER,
            point=None, conversation=False, overridden_by=None, override_reason="", profile=None, message_text="",
            template=None):
    """A contact attempt that already happened, stored as record_attempt would store it."""
    borrower = case.account.borrower
    if point is None and channel in (Channel.PHONE_CALL, Channel.SMS):
        point = borrower.contact_points.filter(kind="phone").first()
    made = ContactAttempt(
        case=case, borrower=borrower, channel=channel, started_at=at, agent=agent, contact_point=point,
        outcome=outcome if allowed else "", conversation=conversation, allowed=allowed, reasons=list(reasons),
        explanations=[f"refused: {reason}" for reason in reasons], overridden_by=overridden_by,
        override_reason=override_reason, message_text=message_text, template=template,
        profile=profile or current_profile(borrower.policy_profile_code),
    )
    made._history_user = agent
    made._change_reason = "blocked" if not allowed else ("overridden" if overridden_by else "allowed")
    made.save()
    return made
