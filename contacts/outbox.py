"""
The outbox: planning reminders and delivering them exactly once.

- ``plan_reminders`` writes the day's reminders as OutboundMessage rows from each
  profile's cadence, in a few set-based queries; the (case, template, slot) constraint
  makes planning twice a no-op.
- ``dispatch_outbox`` claims due rows (SKIP LOCKED on PostgreSQL, compare-and-set
  everywhere), then delivers each under the borrower's lock: the compliance engine is
  asked again at send time (a 07:00 message waits for the window; a case paid meanwhile
  is suppressed), the approved template is rendered, the gateway is called with the
  row's idempotency key, and the contact is recorded — all in one transaction. A worker
  killed anywhere in between leaves the row claimed; after the lease another worker
  claims it and first asks the gateway whether it already delivered the key: a message
  that went out is recorded as sent at its delivery time, whatever the rules say of it
  now; one that did not is judged again, and the gateway's idempotency makes a second
  send a no-op.
"""

from __future__ import annotations

from collections import defaultdict
import dataclasses
from datetime import datetime, time, timedelta
import logging
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.db.models.functions import Mod
from django.utils import timezone

from audit.ledger import sealing_deferred
from cases.models import Borrower, CaseState, CollectionCase, ContactPoint
from cases.selectors import candidate_zones
from policy.codes import Channel, Outcome
from policy.selectors import current_profiles_by_code

from . import borrower_text, engine, recording
from .gateways import GatewayError, OutgoingMessage, PermanentGatewayError, get_gateway
from .models import ContactAttempt, MessageTemplate, OutboundMessage
from .outbox_sql import PLANNING_COLUMNS, PlanningCase, insert_planned, save_messages
from .services import TemplateError, render_template

logger = logging.getLogger(__name__)
State = OutboundMessage.State


# --- planning ---------------------------------------------------------------------------


def approved_templates() -> dict[str, MessageTemplate]:
    """The newest approved version of every template code."""
    latest: dict[str, MessageTemplate] = {}
    for template in MessageTemplate.objects.filter(approved_at__isnull=False).order_by("code", "-version"):
        latest.setdefault(template.code, template)
    return latest


def template_for(purpose_key: str, language: str, templates: dict) -> MessageTemplate | None:
    code = settings.REMINDER_TEMPLATE_CODES.get(purpose_key, {}).get(language)
    return templates.get(code) if code else None


def slot_for(borrower, points, profile, day_offset: int = 0) -> datetime:
    """09:00 (one hour into the window) on the borrower's local date."""
    zone = ZoneInfo(candidate_zones(borrower, points, profile)[0])
    local_day = timezone.now().astimezone(zone).date() + timedelta(days=day_offset)
    start = datetime.combine(local_day, profile.contact_window_start, tzinfo=zone)
    return start + timedelta(hours=1)


def best_point(points, kind):
    usable = [
        p
        for p in points
        if p.kind == kind and p.owner == ContactPoint.Owner.BORROWER and not p.is_invalid and not p.opted_out
    ]
    usable.sort(key=lambda p: (not p.is_primary, not p.is_verified, p.pk))
    return usable[0] if usable else None


def _message(case, channel, template, point, slot, purpose):
    return OutboundMessage(
        case=case,
        channel=channel,
        template=template,
        contact_point=point,
        slot=slot,
        scheduled_for=slot,
        purpose=purpose,
        idempotency_key=OutboundMessage.key_for(case.pk, template.pk, slot),
    )


def plan_reminders() -> dict[str, int]:
    """Plan today's reminders for every case on a reminder rung, by its profile's cadence:
    SMS on the listed days past due, email every N days, the formal letter on reaching
    written notice. Cases on hold, closed or vulnerable get nothing planned (and the
    engine would refuse them at send time anyway)."""
    profiles = current_profiles_by_code()
    templates = approved_templates()
    counts = {"planned": 0, "no_template": 0, "no_contact_point": 0}
    wanted = []
    for code, profile in profiles.items():
        sms_days = profile.reminder_sms_days
        every = profile.reminder_email_every_days
        # Only today's cadence days are loaded: the SQL picks them, not a Python scan.
        dpd_filter = Q(account__days_past_due__in=sms_days) if sms_days else Q(pk__in=[])
        if every:
            dpd_filter |= Q(account__days_past_due__gte=every, email_day=0)
        messaging = Q(state__in=[CaseState.REMINDER, CaseState.PHONE, CaseState.WRITTEN_NOTICE]) & dpd_filter
        letters = (
            Q(state=CaseState.WRITTEN_NOTICE, written_notice_sent_at__isnull=True)
            if profile.letter_on_written_notice
            else Q(pk__in=[])
        )
        cases = (
            CollectionCase.objects.annotate(email_day=Mod("account__days_past_due", every or 1))
            .filter(
                messaging | letters, account__borrower__policy_profile_code=code, account__borrower__vulnerable=False
            )
            .values_list(*PLANNING_COLUMNS)
        )
        # Plain rows of the columns planning reads: a case, account and borrower instance
        # per case (and every instant of theirs parsed) were half the step's Python time.
        cases = [PlanningCase(*row) for row in cases]
        # One plain query for the profile's borrowers: prefetch_related built a related
        # manager and a queryset per borrower, most of the planning's time at 1M cases.
        points_of = engine.contact_points_of({case.borrower_id for case in cases})
        for case in cases:
            points = points_of.get(case.borrower_id, [])
            dpd = case.days_past_due
            plans = []
            if case.state in (CaseState.REMINDER, CaseState.PHONE, CaseState.WRITTEN_NOTICE) and dpd in sms_days:
                plans.append(("sms", Channel.SMS, "phone", OutboundMessage.Purpose.REMINDER))
            if every and dpd >= every and dpd % every == 0:
                plans.append(("email", Channel.EMAIL, "email", OutboundMessage.Purpose.REMINDER))
            if (
                case.state == CaseState.WRITTEN_NOTICE
                and case.written_notice_sent_at is None
                and profile.letter_on_written_notice
            ):
                plans.append(("letter", Channel.LETTER, "postal", OutboundMessage.Purpose.LETTER))
            for key, channel, kind, purpose in plans:
                template = template_for(key, case.language, templates)
                point = best_point(points, kind)
                if template is None:
                    counts["no_template"] += 1
                elif point is None:
                    counts["no_contact_point"] += 1
                else:
                    slot = slot_for(case, points, profile)  # the borrower's zone columns
                    if channel == Channel.LETTER:  # one letter per case, whatever the day
                        slot = datetime.combine(case.opened_at.date(), time(9), tzinfo=slot.tzinfo)
                    wanted.append((case.pk, channel, purpose, template.pk, point.pk, slot))
    before = OutboundMessage.objects.count()
    insert_planned(wanted)
    counts["planned"] = OutboundMessage.objects.count() - before
    counts["already_planned"] = len(wanted) - counts["planned"]
    return counts


def schedule_follow_up(case, purpose_key: str = "follow_up") -> OutboundMessage | None:
    """One follow-up SMS for the next morning (e.g. after a broken promise)."""
    borrower = case.account.borrower
    points = list(borrower.contact_points.all())
    template = template_for(purpose_key, borrower.language, approved_templates())
    point = best_point(points, "phone")
    if template is None or point is None:
        return None
    profile = current_profiles_by_code()[borrower.policy_profile_code]
    message = _message(
        case,
        Channel.SMS,
        template,
        point,
        slot_for(borrower, points, profile, day_offset=1),
        OutboundMessage.Purpose.FOLLOW_UP,
    )
    OutboundMessage.objects.bulk_create([message], ignore_conflicts=True)
    return OutboundMessage.objects.filter(idempotency_key=message.idempotency_key).first()


# --- dispatching -------------------------------------------------------------------------


def claim_due(now: datetime, batch: int) -> tuple[str, list[int]]:
    """Claim up to ``batch`` due messages for this worker. Rows another worker holds are
    skipped (PostgreSQL) and the claim itself is a compare-and-set, so no row is claimed
    twice; a 'sending' row whose lease expired (its worker died) is claimed again."""
    token = uuid.uuid4().hex
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_LEASE_SECONDS)
    due = Q(state=State.SCHEDULED, scheduled_for__lte=now) | Q(state=State.SENDING, claimed_at__lt=stale)
    with transaction.atomic():
        candidates = OutboundMessage.objects.filter(due).order_by("scheduled_for")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:batch])
        OutboundMessage.objects.filter(due, pk__in=ids).update(
            state=State.SENDING,
            claim_token=token,
            claimed_at=now,
            # Still 'sending' means its last worker stopped before finishing it.
            claim_expired=Case(When(state=State.SENDING, then=Value(True)), default=Value(False)),
        )
    return token, list(OutboundMessage.objects.filter(claim_token=token, pk__in=ids).values_list("pk", flat=True))


def dispatch_outbox(now: datetime | None = None, batch: int | None = None) -> dict[str, int]:
    """Deliver what is due. Safe to run concurrently and to run again."""
    counts = dict.fromkeys(("sent", "deferred", "suppressed", "retry", "failed", "skipped"), 0)
    token, ids = claim_due(now or timezone.now(), batch or settings.OUTBOX_BATCH_SIZE)
    for round_ids in _one_per_borrower(ids):
        for outcome in deliver_many(round_ids, token).values():
            counts[outcome] += 1
    return counts


def _one_per_borrower(ids: list[int]) -> list[list[int]]:
    """Rounds of message ids with at most one message per borrower in each: the engine
    judges a round together, so a second message to the same borrower must wait for the
    first to be on record before its caps are counted."""
    borrower_of = dict(OutboundMessage.objects.filter(pk__in=ids).values_list("pk", "case__account__borrower_id"))
    rounds: list[list[int]] = []
    seen: dict[int, int] = {}
    for message_id in ids:
        borrower = borrower_of.get(message_id)
        index = seen.get(borrower, -1) + 1
        seen[borrower] = index
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(message_id)
    return rounds


def deliver(message_id: int, token: str) -> str:
    """Judge, render, send and record one claimed message. Returns what happened."""
    return deliver_many([message_id], token).get(message_id, "skipped")


def deliver_many(message_ids: list[int], token: str) -> dict[int, str]:
    """Judge, render, send and record claimed messages (at most one per borrower) in one
    transaction and a fixed number of statements: the engine judges them together, the
    attempts, their history and their ledger entries are written in bulk. Returns what
    happened to each message."""
    with transaction.atomic(), sealing_deferred():
        return _deliver_locked(message_ids, token)


def _deliver_locked(message_ids, token) -> dict[int, str]:
    case_ids = set(OutboundMessage.objects.filter(pk__in=message_ids).values_list("case_id", flat=True))
    borrower_ids = sorted(
        set(CollectionCase.objects.filter(pk__in=case_ids).values_list("account__borrower_id", flat=True))
    )
    # Same lock order as record_attempt: borrowers, then cases, then the messages.
    list(Borrower.objects.select_for_update().filter(pk__in=borrower_ids).order_by("pk").values_list("pk", flat=True))
    cases = {
        case.pk: case
        for case in CollectionCase.objects.select_for_update()
        .filter(pk__in=case_ids)
        .select_related("account__borrower")
        .order_by("pk")
    }
    messages = list(
        OutboundMessage.objects.select_for_update()
        .filter(pk__in=message_ids)
        .select_related("template", "contact_point")
        .order_by("pk")
    )
    outcomes = {}
    mine = []
    for message in messages:
        if message.state != State.SENDING or message.claim_token != token:
            outcomes[message.pk] = "skipped"  # someone else finished it meanwhile
        else:
            mine.append(message)
    at = timezone.now()
    decisions = _judge(mine, cases, at)
    deliveries = _earlier_deliveries(mine)

    attempts, changed = [], []
    for message in mine:
        case, decision = cases[message.case_id], decisions[message.pk]
        if message.pk in deliveries:
            outcomes[message.pk] = _record_earlier_delivery(message, case, decision, deliveries[message.pk], attempts)
        elif not decision.allowed and decision.next_allowed_at is not None:
            message.state, message.scheduled_for, message.claim_token = State.SCHEDULED, decision.next_allowed_at, ""
            outcomes[message.pk] = "deferred"
        elif not decision.allowed:
            # Waiting will not help (paid, cease, opt-out…): the message is dropped, and
            # the refused contact is recorded like any other refusal.
            message.attempt = _attempt(message, case, at, decision, body="")
            attempts.append(message.attempt)
            message.state, message.suppressed_reasons = State.SUPPRESSED, list(decision.reasons)
            message.suppressed_params = decision.refusal_params
            outcomes[message.pk] = "suppressed"
        else:
            outcomes[message.pk] = _send(message, case, at, decision, attempts)
        changed.append(message)

    recording.store_attempts(attempts, cases=cases, sent_by_outbox=True)
    for message in changed:
        message.attempt = message.attempt  # re-read the saved attempt's pk into attempt_id
    save_messages(changed)
    for message in changed:
        if outcomes[message.pk] in ("retry", "failed"):
            logger.warning("outbox message %s: %s (%s)", message.pk, message.last_error, outcomes[message.pk])
    return outcomes


def _judge(messages, cases, at) -> dict[int, engine.Decision]:
    """The engine's decision for each message, judged together per channel and template."""
    groups = defaultdict(list)
    for message in messages:
        groups[(message.channel, message.template_id)].append(message)
    decisions = {}
    for (channel, _), group in groups.items():
        facts = engine.load_facts(
            [cases[m.case_id] for m in group],
            channel,
            at,
            {m.case_id: m.contact_point for m in group},
            group[0].template,
        )
        for message, fact in zip(group, facts, strict=True):
            decisions[message.pk] = engine.decide(fact)
    return decisions


def _attempt(message, case, at, decision, body: str) -> ContactAttempt:
    return recording.new_attempt(
        case,
        message.channel,
        decision,
        at=at,
        outcome=Outcome.SENT,
        contact_point=message.contact_point,
        template=message.template,
        message_text=body,
    )


def _earlier_deliveries(messages) -> dict:
    """The gateway's record of each message an earlier, stopped worker may have sent."""
    deliveries = {}
    for message in messages:
        if message.claim_expired:
            delivery = get_gateway(message.channel).find_delivery(message.idempotency_key, message.channel)
            if delivery is not None:
                deliveries[message.pk] = delivery
    return deliveries


def _record_earlier_delivery(message, case, decision, delivery, attempts) -> str:
    """The worker that claimed this message before delivered it and stopped before its
    transaction committed. The engine allowed it then (the gateway is called only after
    it does), and the borrower has it: it is recorded as sent at its delivery time, even
    if the rules would refuse it now (a payment, a cease request or another message since
    then). Judging it again would leave a contact that happened off the record."""
    sent_at = delivery.delivered_at or timezone.now()
    sent = dataclasses.replace(decision, allowed=True, reasons=(), params=(), next_allowed_at=None)
    if delivery.body is not None:
        subject, body = delivery.subject or "", delivery.body
    else:
        try:
            subject, body = _render(message, case, sent_at, sent)
        except (TemplateError, ValueError):
            subject, body = "", ""  # it rendered when it was sent; the record of the send matters more
    message.attempt = _attempt(message, case, sent_at, sent, body)
    message.attempt._change_reason = "sent before its worker stopped"
    attempts.append(message.attempt)
    message.state, message.subject, message.body = State.SENT, subject, body
    message.provider_message_id, message.sent_at, message.last_error = delivery.provider_id, sent_at, ""
    logger.warning(
        "outbox message %s: delivered by a worker that stopped before recording it; recorded now", message.pk
    )
    return "sent"


def _render(message, case, at, decision) -> tuple[str, str]:
    subject, body = render_template(
        message.template,
        case,
        lender_name=borrower_text.in_language(settings.LENDER_NAMES, message.template.language),
        hotline=settings.LENDER_HOTLINE,
        payment_instructions=borrower_text.in_language(settings.PAYMENT_INSTRUCTIONS, message.template.language),
        extra=message.context,
    )
    body = borrower_text.with_time_barred_disclosure(
        body, message.template, case.account, decision.profile, at, decision.zones
    )
    return subject, body


def _send(message, case, at, decision, attempts) -> str:
    try:
        subject, body = _render(message, case, at, decision)
    except (TemplateError, ValueError) as error:
        # Sending it later would render the same text: it fails now, and nothing is sent.
        message.state, message.claim_token, message.last_error = State.FAILED, "", str(error)[:2000]
        return "failed"
    try:
        provider_id = get_gateway(message.channel).send(
            OutgoingMessage(
                key=message.idempotency_key,
                channel=message.channel,
                to=message.contact_point.value,
                subject=subject,
                body=body,
                case_id=case.pk,
            )
        )
    except GatewayError as error:
        # A failed send records no contact: the message is retried later, or given up.
        message.tries += 1
        message.last_error = str(error)[:2000]
        message.claim_token = ""
        if isinstance(error, PermanentGatewayError) or message.tries >= settings.OUTBOX_MAX_TRIES:
            message.state = State.FAILED
            return "failed"
        wait = error.retry_after if error.retry_after is not None else backoff(message.tries)
        message.state, message.scheduled_for = State.SCHEDULED, timezone.now() + wait
        return "retry"
    message.attempt = _attempt(message, case, at, decision, body)
    attempts.append(message.attempt)
    message.state = State.SENT
    message.subject, message.body = subject, body
    message.provider_message_id = provider_id
    message.sent_at = at
    message.last_error = ""
    return "sent"


def backoff(tries: int) -> timedelta:
    """1, 2, 4, 8… minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(tries - 1, 0), 60))
