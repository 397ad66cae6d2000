"""What the outbox and the callbacks do when the case book announces something (cases/signals.py)."""

from policy.codes import ProfileCode

from . import callbacks, consent, outbox
from .models import OutboundMessage

# Profiles under which a forbearance assessment that offers debt advice sends the borrower
# the referral message (EU CCD2 art. 36; POLICY.md second edition, "debt advice").
DEBT_ADVICE_REFERRAL_PROFILES = {ProfileCode.EU_CCD2}


def suppress_messages_of_closed_cases(sender, case_ids, why, **kwargs) -> int:
    """No contact after payoff: every message not yet sent for these cases stays unsent."""
    return OutboundMessage.objects.filter(case_id__in=case_ids, state=OutboundMessage.State.SCHEDULED).update(
        state=OutboundMessage.State.SUPPRESSED, suppressed_reasons=["case_closed"]
    )


def cancel_callbacks_of_closed_cases(sender, case_ids, why, **kwargs) -> int:
    """No call back to a closed case: its pending callback is cancelled with it."""
    return callbacks.cancel_pending_callbacks(case_ids)


def follow_up_broken_arrangement(sender, case, **kwargs):
    """One follow-up SMS for the next morning after a broken promise or plan."""
    return outbox.schedule_follow_up(case)


def refer_to_debt_advice(sender, assessment, **kwargs):
    """The debt-advice referral message for the next morning, when the assessment offered
    it under a profile that pairs the two; through the engine at send time like any other."""
    case = assessment.case
    if not assessment.debt_advice_offered or case.policy_profile.code not in DEBT_ADVICE_REFERRAL_PROFILES:
        return None
    return outbox.schedule_follow_up(case, "debt_advice")


def record_imported_consents(sender, grants, by=None, **kwargs):
    """The loan contract's consent to electronic messages, as the feed reports it."""
    return consent.grant_imported_consents(grants, by=by)
