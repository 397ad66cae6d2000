"""
The one path that records a contact attempt.

Every attempt — a collector's call from the log-contact page, a field visit's check-in, a
reminder the outbox sent or suppressed — is built by ``new_attempt`` from the engine's
decision and written by ``store_attempts``. The single form (``services.record_attempt``)
passes one attempt; the outbox passes its whole batch. So the fields an attempt carries,
its history row, its ledger entry and what its outcome changes on the case are the same
whichever way it came in.

Callers hold the borrower and case locks and run inside ``audited_atomic`` or
``sealing_deferred``: the ledger is appended when that block ends.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from audit.ledger import ledger_append_many
from cases import services as case_services
from cases.models import CaseState, Hold
from policy.codes import BORROWER_REACHED, Channel, Outcome

from .models import ContactAttempt


def party_reached(outcome: str) -> str:
    if outcome == Outcome.THIRD_PARTY:
        return ContactAttempt.Party.THIRD_PARTY
    if outcome in BORROWER_REACHED:
        return ContactAttempt.Party.BORROWER
    return ContactAttempt.Party.NONE


def new_attempt(
    case,
    channel: str,
    decision,
    *,
    at: datetime,
    outcome: str,
    by=None,
    contact_point=None,
    conversation: bool = False,
    note: str = "",
    template=None,
    message_text: str = "",
    overridden_by=None,
    override_reason: str = "",
    placed_by: str | None = None,
) -> ContactAttempt:
    """The attempt the engine's ``decision`` makes of this contact, not yet saved.

    A refused contact keeps what was tried (channel, point, note) and why it was refused,
    but no outcome, no conversation and no message text: nothing happened. A refusal a
    supervisor overrode (``overridden_by`` with a reason) is stored as allowed, naming them.
    """
    overridden = not decision.allowed and overridden_by is not None and bool(override_reason.strip())
    allowed = decision.allowed or overridden
    attempt = ContactAttempt(
        case=case,
        borrower_id=case.account.borrower_id,
        channel=channel,
        direction=ContactAttempt.Direction.OUTBOUND,
        contact_point=contact_point,
        agent=by,
        # Who dialled or sent: a person, the outbox, or an automated caller (which counts
        # toward every call cap like any call: GB/T 45251-2025).
        placed_by=placed_by or (ContactAttempt.PlacedBy.PERSON if by is not None else ContactAttempt.PlacedBy.SYSTEM),
        started_at=at,
        outcome=outcome if allowed else "",
        conversation=bool(conversation or (channel == Channel.PHONE_CALL and outcome in BORROWER_REACHED))
        if allowed
        else False,
        party_reached=party_reached(outcome) if allowed else ContactAttempt.Party.NONE,
        note=note,
        template=template,
        message_text=message_text if allowed else "",
        allowed=allowed,
        reasons=list(decision.reasons),
        refusal_params=decision.refusal_params,
        # The words the person recording it was shown, in their language: evidence of
        # what they were told; pages word the refusal anew from its parameters.
        explanations=list(decision.explanations),
        next_allowed_at=decision.next_allowed_at,
        profile=decision.profile,
        overridden_by=overridden_by if overridden else None,
        override_reason=override_reason if overridden else "",
    )
    attempt._history_user = by
    attempt._change_reason = "allowed" if decision.allowed else ("overridden" if overridden else "blocked")
    return attempt


def store_attempts(attempts: list[ContactAttempt], *, cases, by=None, sent_by_outbox: bool = False) -> None:
    """Write ``attempts`` with their history rows and ledger entries in a fixed number of
    statements, then apply what each allowed attempt's outcome changes on its case.
    ``cases`` maps case id to the locked case the attempts were judged on; ``by`` is who
    recorded them (None: the system)."""
    if not attempts:
        return
    ContactAttempt.objects.bulk_create(attempts, batch_size=500)
    history = ContactAttempt.history.bulk_history_create(attempts, default_user=by, default_date=timezone.now())
    ledger_append_many(history)
    allowed = [attempt for attempt in attempts if attempt.allowed]
    for attempt in allowed:
        _apply_outcome(attempt, cases[attempt.case_id], by)
    # A formal letter sent on the written-notice rung starts the notice lead time a field
    # visit needs; the first letter counts. Only a letter the outbox sent — rendered from
    # an approved template, its text on record — counts: a letter a person says they sent
    # does not start the clock towards a visit at the borrower's door.
    first_letters = {}
    for attempt in allowed if sent_by_outbox else ():
        if attempt.channel == Channel.LETTER:
            first_letters.setdefault(attempt.case_id, attempt.started_at)
    noticed = [
        cases[case_id]
        for case_id in first_letters
        if cases[case_id].state == CaseState.WRITTEN_NOTICE and cases[case_id].written_notice_sent_at is None
    ]
    for at, group in _by_time(noticed, first_letters).items():
        case_services.record_written_notices(group, sent_at=at, by=by)


def _by_time(cases, times) -> dict[datetime, list]:
    grouped: dict[datetime, list] = {}
    for case in cases:
        grouped.setdefault(times[case.pk], []).append(case)
    return grouped


def _apply_outcome(attempt: ContactAttempt, case, by) -> None:
    """What the borrower said changes the case at once."""
    placer = by if by is not None and by.has_perm("cases.place_hold") else None
    said_by = f"on a {attempt.get_channel_display().lower()} with {by.get_username() if by else 'the system'}"
    if attempt.outcome == Outcome.REQUESTS_CEASE:
        case_services.place_hold(
            case, Hold.Kind.CEASE_COMMUNICATION, by=placer, note=f"Borrower asked for no further contact {said_by}."
        )
    elif attempt.outcome == Outcome.DISPUTES_DEBT:
        case_services.place_hold(
            case, Hold.Kind.DISPUTE, by=placer, note=f"Borrower disputed the debt {said_by}. {attempt.note}".strip()
        )
    elif attempt.outcome == Outcome.WRONG_NUMBER and attempt.contact_point is not None:
        point = attempt.contact_point
        point.is_invalid = True
        point.invalid_since = attempt.started_at
        point._history_user = by
        point._change_reason = "wrong number reported on a call"
        point.save(update_fields=["is_invalid", "invalid_since"])
