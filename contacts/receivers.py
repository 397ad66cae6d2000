"""What the outbox does when the case book announces something (cases/signals.py)."""

from . import consent, outbox
from .models import OutboundMessage


def suppress_messages_of_closed_cases(sender, case_ids, why, **kwargs) -> int:
    """No contact after payoff: every message not yet sent for these cases stays unsent."""
    return OutboundMessage.objects.filter(case_id__in=case_ids, state=OutboundMessage.State.SCHEDULED).update(
        state=OutboundMessage.State.SUPPRESSED, suppressed_reasons=["case_closed"]
    )


def follow_up_broken_arrangement(sender, case, **kwargs):
    """One follow-up SMS for the next morning after a broken promise or plan."""
    return outbox.schedule_follow_up(case)


def record_imported_consents(sender, grants, by=None, **kwargs):
    """The loan contract's consent to electronic messages, as the feed reports it."""
    return consent.grant_imported_consents(grants, by=by)
