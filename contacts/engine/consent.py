"""
The consent rule's facts and judgement (POLICY.md second edition, "Consent"), in one
module so the rule reads in one place: ``ledger_sql`` reads every borrower's consent ledger
for a batch of facts inside the engine's one round trip for holds and opt-outs, and ``refusal_params`` is the pure
judgement the ``consent_required`` rule in ``rules`` wraps.

The judgement, for a contact on ``channel`` through contact point ``point`` at ``at``:

1. A withdrawal covering (channel, point) later than the latest covering grant refuses,
   on every profile (a withdrawal is honoured everywhere: FCC TCPA revocation order 2024,
   Reg F 1006.6(e)), with ``withdrawn_at``. A withdrawal covers a contact when its scope
   reaches it: that contact point on that channel, that channel, every electronic channel,
   or everything — only the last reaches calls, letters and visits.
2. Else a channel of ``profile.consent_channel_set`` with no covering grant refuses with
   ``withdrawn_at`` null (CN; US-NYC 6 RCNY 5-77: written consent first). A grant at one
   contact point covers that point; a grant without one covers the whole channel. A check
   without a contact point counts any grant on the channel and only the withdrawals that
   reach the whole channel.
3. Two messages pass where 1 or 2 would refuse:
   - under ``profile.consent_request_allowed``, a consent-request template
     (``is_consent_request``) while no consent request was ever sent to the borrower on
     that channel (US-NYC: "one initial message solely to ask for consent");
   - the confirmation of a withdrawal: a required-notice template flagged
     ``is_stop_confirmation``, once — while no confirmation went to the borrower on that
     channel since their latest grant there (the FCC order allows one message confirming
     the opt-out). The inbound endpoint queues it (contacts/consent.py); the other rules
     still judge it (closed cases, hours, caps), so a STOP at 23:00 is confirmed at 08:00.

No overriding (NEVER_OVERRIDABLE) and no next-allowed time: waiting does not bring consent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from policy.codes import ELECTRONIC_CHANNELS, RevocationScope

from ..models import Consent, ConsentRevocation, ContactAttempt, MessageTemplate
from .sql import instant, one_of

if TYPE_CHECKING:
    from .rules import Facts

GRANT, REVOCATION, REQUEST, CONFIRMATION = "grant", "revocation", "request", "confirmation"


class LedgerEvent(NamedTuple):
    """One line of a borrower's consent ledger, as the rule reads it: a grant, a
    withdrawal, or a consent request / stop confirmation that went out. A named tuple:
    a frozen dataclass's __init__ (object.__setattr__ per field) for each of a batch's
    two thousand lines cost as much as judging them."""

    kind: str
    at: datetime
    channel: str  # blank for withdrawals of every electronic channel or of everything
    point_id: int | None
    scope: str = ""  # withdrawals only: a RevocationScope


def covers(event: LedgerEvent, channel: str, point_id: int | None) -> bool:
    """Does ``event`` reach a contact on ``channel`` at ``point_id`` (None: no point)?"""
    if event.kind == REVOCATION:
        if event.scope == RevocationScope.EVERYTHING:
            return True
        if event.scope == RevocationScope.ELECTRONIC:
            return channel in ELECTRONIC_CHANNELS
        if event.channel != channel:
            return False
        return event.scope == RevocationScope.CHANNEL or (point_id is not None and event.point_id == point_id)
    return event.channel == channel and (event.point_id is None or point_id is None or event.point_id == point_id)


def latest(ledger, kind: str, channel: str, point_id: int | None, at: datetime) -> datetime | None:
    """The instant of the latest ``kind`` event of ``ledger`` up to ``at`` covering the contact."""
    return max((e.at for e in ledger if e.kind == kind and e.at <= at and covers(e, channel, point_id)), default=None)


def _latest_grant_and_withdrawal(ledger, channel: str, point_id: int | None, at: datetime):
    """``latest`` of a grant and of a withdrawal in one pass over the ledger: every check of
    a batch of 1,000 reads its borrower's, and the two generator passes were about half of
    the rules' time under cProfile."""
    granted = withdrawn = None
    for event in ledger:
        if event.at > at:
            continue
        if event.kind == GRANT:
            if (granted is None or event.at > granted) and covers(event, channel, point_id):
                granted = event.at
        elif (
            event.kind == REVOCATION
            and (withdrawn is None or event.at > withdrawn)
            and covers(event, channel, point_id)
        ):
            withdrawn = event.at
    return granted, withdrawn


def judge(ledger, channel: str, point_id: int | None, at: datetime, profile, template) -> dict | None:
    """The ``consent_required`` parameters when the contact is refused, else None (the
    module's docstring says how)."""
    granted, withdrawn = _latest_grant_and_withdrawal(ledger, channel, point_id, at)
    if withdrawn is not None and template is not None and template.is_stop_confirmation and template.is_required_notice:
        confirmed = [e.at for e in ledger if e.kind == CONFIRMATION and e.channel == channel]
        if not any(granted is None or sent > granted for sent in confirmed):
            return None
    if withdrawn is not None and (granted is None or withdrawn >= granted):
        return {"channel": str(channel), "withdrawn_at": withdrawn.isoformat()}
    if granted is None and channel in profile.consent_channel_set:
        if (
            template is not None
            and template.is_consent_request
            and profile.consent_request_allowed
            and not any(e.kind == REQUEST and e.channel == channel for e in ledger)
        ):
            return None
        return {"channel": str(channel), "withdrawn_at": None}
    return None


def refusal_params(f: Facts) -> dict | None:
    """The judgement of one proposed contact's facts."""
    point_id = f.contact_point.pk if f.contact_point is not None else None
    return judge(f.consent_ledger, f.channel, point_id, f.at, f.profile, f.template)


def ledger_sql(borrower_ids) -> tuple[str, list]:
    """The borrowers' consent ledgers as plain SQL rows (kind, borrower, channel, instant,
    contact point, scope): grants, withdrawals, and the consent requests and stop
    confirmations already sent. A part of the engine's one round trip for holds and
    opt-outs (contacts/engine/facts.py), so the rule costs no query of its own."""
    ids, params = one_of("borrower_id", borrower_ids)
    attempt_ids, _params = one_of("a.borrower_id", borrower_ids)
    sql = (
        f"SELECT '{GRANT}', borrower_id, channel, {instant('granted_at')}, contact_point_id, '' FROM {Consent._meta.db_table} "
        f"WHERE {ids} "
        f"UNION ALL "
        f"SELECT '{REVOCATION}', borrower_id, channel, {instant('revoked_at')}, contact_point_id, scope "
        f"FROM {ConsentRevocation._meta.db_table} WHERE {ids} "
        f"UNION ALL "
        f"SELECT CASE WHEN t.is_consent_request THEN '{REQUEST}' ELSE '{CONFIRMATION}' END, a.borrower_id, "
        f"a.channel, {instant('a.started_at')}, a.contact_point_id, '' FROM {ContactAttempt._meta.db_table} a "
        f"JOIN {MessageTemplate._meta.db_table} t ON t.id = a.template_id "
        f"WHERE {attempt_ids} AND a.allowed AND a.direction = %s "
        f"AND (t.is_consent_request OR t.is_stop_confirmation)"
    )
    return sql, [*params, *params, *params, ContactAttempt.Direction.OUTBOUND]


LEDGER_KINDS = {GRANT, REVOCATION, REQUEST, CONFIRMATION}


def assign_ledgers(facts: list[Facts], rows, from_db) -> None:
    """Each fact's borrower's ledger from ``ledger_sql``'s rows (``from_db`` reads an
    instant as plain SQL returns it)."""
    ledgers = defaultdict(list)
    for kind, borrower_id, channel, at, point_id, scope in rows:
        ledgers[borrower_id].append(LedgerEvent(kind, from_db(at), channel or "", point_id, scope or ""))
    for f in facts:
        f.consent_ledger = tuple(ledgers[f.case.account.borrower_id])
