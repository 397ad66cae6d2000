"""
The consent ledger's services (POLICY.md second edition, "Consent"): recording a consent,
recording its withdrawal — which stops, in the same transaction, every queued message it
covers — and reading where a borrower stands. Each writer runs in one transaction and
raises a ConsentError a person can read.

The rule the engine applies to this ledger is in contacts/engine/consent.py; the inbound
replies that withdraw consent are read in contacts/inbound.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic, ledger_append_many
from cases import services as case_services
from cases.models import Borrower
from core.exceptions import ServiceError
from policy.codes import CHANNEL_POINT_KIND, ELECTRONIC_CHANNELS, Channel, Reason, RevocationScope
from policy.selectors import current_profile

from . import refusals
from .engine import consent as judgement
from .models import Consent, ConsentRevocation, OutboundMessage

# Each kind of contact point and the electronic channel that reaches it (imports grant by point).
POINT_CHANNEL = {"phone": Channel.SMS, "email": Channel.EMAIL, "social": Channel.SOCIAL}


class ConsentError(ServiceError):
    """A consent or withdrawal that cannot be recorded as asked; nothing was written."""


@dataclass(frozen=True)
class ConsentStatus:
    """Where the borrower stands on one channel (and point) at one instant."""

    allowed: bool  # the consent rule lets a message through
    needed: bool  # the borrower's profile needs consent on this channel
    granted_at: datetime | None  # the latest covering grant
    withdrawn_at: datetime | None  # the latest covering withdrawal


def _check_target(borrower, channel, contact_point, *, electronic_only=True):
    if channel not in ELECTRONIC_CHANNELS:
        raise ConsentError(
            _("Consent is recorded for electronic channels (SMS, email, social media), not %(channel)s.")
            % {"channel": Channel(channel).label if channel in Channel.values else channel}
        )
    if contact_point is not None:
        if contact_point.borrower_id != borrower.pk:
            raise ConsentError(_("That contact point belongs to another borrower."))
        if contact_point.kind != CHANNEL_POINT_KIND[channel]:
            raise ConsentError(
                _("%(channel)s does not reach a contact point of this kind (%(kind)s).")
                % {"channel": Channel(channel).label, "kind": contact_point.get_kind_display()}
            )


def _instant(at: datetime | None) -> datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise ConsentError(_("The instant must be timezone-aware."))
    if at > timezone.now() + timedelta(minutes=5):
        raise ConsentError(_("A consent or withdrawal cannot be dated in the future."))
    return at


@audited_atomic
def grant_consent(
    borrower,
    channel,
    *,
    granted_via,
    evidence,
    by,
    at=None,
    contact_point=None,
    purpose=Consent.Purpose.COLLECTION,
) -> Consent:
    """The borrower agreed to ``channel`` contact (at ``contact_point``, or anywhere on it),
    on ``at`` (default now), proven by ``evidence`` (where the proof is)."""
    case_services._require(by, "contacts.add_consent", _("record consents"))
    _check_target(borrower, channel, contact_point)
    if granted_via not in Consent.GrantedVia.values:
        raise ConsentError(_("Say how the consent was given."))
    if not (evidence or "").strip():
        raise ConsentError(_("Say where the proof of consent is (signed form, call recording, file)."))
    consent = Consent(
        borrower=borrower,
        channel=channel,
        contact_point=contact_point,
        purpose=purpose,
        granted_via=granted_via,
        evidence=evidence.strip(),
        granted_at=_instant(at),
        recorded_by=by,
    )
    consent._history_user = by
    consent._change_reason = "consent granted"
    consent.save()
    return consent


@audited_atomic
def revoke_consent(
    borrower,
    scope,
    channel=None,
    contact_point=None,
    *,
    via,
    by,
    at=None,
    evidence="",
    inbound_message=None,
) -> ConsentRevocation:
    """The borrower withdrew consent as far as ``scope`` reaches (RevocationScope). In the
    same transaction every message still queued that it covers is cancelled, with the
    refusal's reason and parameters, so nothing covered leaves after this returns (a
    message a worker holds is judged again under the borrower's lock and refused).
    ``revocation.cancelled`` lists the cancelled messages."""
    case_services._require(by, "contacts.add_consentrevocation", _("record withdrawals of consent"))
    if scope not in RevocationScope.values:
        raise ConsentError(_("Say how far the withdrawal reaches."))
    if scope in (RevocationScope.CONTACT_POINT, RevocationScope.CHANNEL):
        if not channel:
            raise ConsentError(_("Name the channel the withdrawal is about."))
        _check_target(borrower, channel, contact_point)
        if scope == RevocationScope.CONTACT_POINT and contact_point is None:
            raise ConsentError(_("Name the contact point the withdrawal is about."))
        if scope == RevocationScope.CHANNEL:
            contact_point = None
    else:
        channel, contact_point = "", None
    if via not in ConsentRevocation.Via.values:
        raise ConsentError(_("Say how the borrower withdrew consent."))
    at = _instant(at)
    # Same lock order as record_attempt and the outbox: the borrower first, so a worker
    # delivering to this borrower either finished before or judges after this commits.
    Borrower.objects.select_for_update().filter(pk=borrower.pk).exists()
    revocation = ConsentRevocation(
        borrower=borrower,
        scope=scope,
        channel=channel,
        contact_point=contact_point,
        revoked_at=at,
        via=via,
        inbound_message=inbound_message,
        evidence=(evidence or "").strip(),
        recorded_by=by,
    )
    revocation._history_user = by
    revocation._change_reason = "consent withdrawn"
    revocation.save()
    revocation.cancelled = _cancel_queued(revocation, by)
    return revocation


def _covered(revocation: ConsentRevocation) -> Q:
    if revocation.scope == RevocationScope.EVERYTHING:
        return Q()
    if revocation.scope == RevocationScope.ELECTRONIC:
        return Q(channel__in=ELECTRONIC_CHANNELS)
    if revocation.scope == RevocationScope.CHANNEL:
        return Q(channel=revocation.channel)
    return Q(channel=revocation.channel, contact_point=revocation.contact_point)


def _cancel_queued(revocation: ConsentRevocation, by) -> list[OutboundMessage]:
    """Suppress the borrower's scheduled messages the withdrawal covers, as the outbox
    suppresses a refused message: the reason code and its parameters, worded when read."""
    messages = list(
        OutboundMessage.objects.select_for_update()
        .filter(
            _covered(revocation), case__account__borrower=revocation.borrower, state=OutboundMessage.State.SCHEDULED
        )
        .exclude(template__is_stop_confirmation=True)
        .order_by("pk")
    )
    for message in messages:
        message.state = OutboundMessage.State.SUPPRESSED
        message.suppressed_reasons = [Reason.CONSENT_REQUIRED.value]
        message.suppressed_params = refusals.as_stored(
            [Reason.CONSENT_REQUIRED], [{"channel": message.channel, "withdrawn_at": revocation.revoked_at.isoformat()}]
        )
    if messages:
        OutboundMessage.objects.bulk_update(messages, ["state", "suppressed_reasons", "suppressed_params"])
        ledger_append_many(
            OutboundMessage.history.bulk_history_create(
                messages, update=True, default_user=by, default_change_reason="consent withdrawn"
            )
        )
    return messages


def consent_status(borrower, channel, contact_point=None, at=None) -> ConsentStatus:
    """Whether the consent rule lets ``channel`` contact through (at ``contact_point``)
    at ``at`` (default now), and the grant and withdrawal it read."""
    at = at or timezone.now()
    profile = current_profile(borrower.policy_profile_code)
    ledger = tuple(
        [
            judgement.LedgerEvent(judgement.GRANT, c.granted_at, c.channel, c.contact_point_id)
            for c in Consent.objects.filter(borrower=borrower)
        ]
        + [
            judgement.LedgerEvent(judgement.REVOCATION, r.revoked_at, r.channel, r.contact_point_id, r.scope)
            for r in ConsentRevocation.objects.filter(borrower=borrower)
        ]
    )
    point_id = contact_point.pk if contact_point is not None else None
    params = judgement.judge(ledger, channel, point_id, at, profile, template=None)
    return ConsentStatus(
        allowed=params is None,
        needed=channel in profile.consent_channel_set,
        granted_at=judgement.latest(ledger, judgement.GRANT, channel, point_id, at),
        withdrawn_at=judgement.latest(ledger, judgement.REVOCATION, channel, point_id, at),
    )


def grant_imported_consents(grants: list[tuple], *, by=None) -> list[Consent]:
    """Consents a loan contract gave, as the feed reports them: ``grants`` are (contact
    point, evidence). A point whose channel already has a consent or a withdrawal on
    file is left alone: the feed never overrides what the borrower told us since."""
    if not grants:
        return []
    borrower_ids = {point.borrower_id for point, _evidence in grants}
    # What is on file, as the keys a new point is looked up by: the point itself, its
    # borrower and channel (a channel-wide grant or withdrawal), its borrower (a
    # withdrawal of every electronic channel, or of everything).
    on_file = set()
    for borrower_id, channel, point_id in Consent.objects.filter(borrower_id__in=borrower_ids).values_list(
        "borrower_id", "channel", "contact_point_id"
    ):
        on_file.add(point_id if point_id is not None else (borrower_id, channel))
    for borrower_id, channel, point_id, scope in ConsentRevocation.objects.filter(
        borrower_id__in=borrower_ids
    ).values_list("borrower_id", "channel", "contact_point_id", "scope"):
        on_file.add({"contact_point": point_id, "channel": (borrower_id, channel)}.get(scope, borrower_id))
    now, made = timezone.now(), []
    for point, evidence in grants:
        channel = POINT_CHANNEL.get(point.kind)
        if channel is None or on_file & {point.pk, (point.borrower_id, channel), point.borrower_id}:
            continue
        made.append(
            Consent(
                borrower_id=point.borrower_id,
                channel=channel,
                contact_point=point,
                granted_via=Consent.GrantedVia.IMPORTED,
                evidence=evidence,
                granted_at=now,
                recorded_by=by,
            )
        )
    Consent.objects.bulk_create(made, batch_size=1000)
    ledger_append_many(
        Consent.history.bulk_history_create(made, default_user=by, default_change_reason="loan feed import")
    )
    return made
