"""
The nightly cycle, set-based: a few UPDATE/INSERT statements per step and per batch of
rows, never a query per account. Every job is safe to run twice and returns counts;
``core.jobs.run_job`` records each run as a JobRun; ``@scheduled_job`` names them.

Bulk transitions bypass the FSM method on purpose (there is no per-row Python), but keep
its rules: the same source-state compare-and-set, the same guard numbers from the
profile, and the same record per case (a CaseEvent naming the rule and its inputs, and a
history row).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from audit.ledger import ledger_append_many, sealing_deferred
from core.job_names import label_counts
from core.jobs import scheduled_job
from policy.selectors import current_profiles_by_code

from . import services, signals
from .bulk_records import record_moved
from .event_text import EventCode
from .models import (
    OPEN_STATES,
    CaseEvent,
    CaseState,
    CollectionCase,
    Hold,
    Installment,
    LoanAccount,
    PromiseToPay,
    RepaymentPlan,
    rung_called_for,
)
from .models.arrangements import cases_with_running_arrangement

BATCH = 5000

# Automatic escalations, highest rung first so a case climbs at most one rung a night.
AUTOMATIC_ESCALATIONS = [
    (
        CaseState.PHONE,
        CaseState.WRITTEN_NOTICE,
        "escalate_to_written_notice",
        "written_notice_min_dpd",
        "written_notice_dpd_reached",
    ),
    (CaseState.REMINDER, CaseState.PHONE, "escalate_to_phone", "phone_min_dpd", "phone_dpd_reached"),
    (CaseState.NEW, CaseState.REMINDER, "start_reminders", "reminder_min_dpd", "reminder_dpd_reached"),
]


def _chunks(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- days past due -----------------------------------------------------------------------

DPD_SQL = {
    "postgresql": "GREATEST(%s::date - oldest_unpaid_due_date, 0)",
    "sqlite": "MAX(CAST(julianday(%s) - julianday(oldest_unpaid_due_date) AS INTEGER), 0)",
}


def recompute_days_past_due(today) -> int:
    """Two UPDATEs for the whole book: overdue accounts get today's DPD, settled or
    not-yet-due accounts get 0. Rows already right are not touched (no dead tuples)."""
    table = LoanAccount._meta.db_table
    dpd = DPD_SQL[connection.vendor]
    owing = "(outstanding_principal + outstanding_interest + outstanding_fees) > 0"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET days_past_due = {dpd} "
            f"WHERE oldest_unpaid_due_date IS NOT NULL AND {owing} AND days_past_due <> {dpd}",
            [today.isoformat(), today.isoformat()],
        )
        changed = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} SET days_past_due = 0 "
            f"WHERE days_past_due <> 0 AND (oldest_unpaid_due_date IS NULL OR NOT {owing})"
        )
        return changed + cursor.rowcount


# --- bulk case changes ----------------------------------------------------------------------


def _record_bulk(case_ids, *, transition, from_state, to_state, now, code, rules_for, profile_label_for):
    """CaseEvents and history rows for cases just moved by a set-based UPDATE; ``code``
    says why (cases/event_text.py), each rule's record which rule let it. Bulk writes send
    no signal: record_moved queues them for the audit ledger itself."""
    return record_moved(
        CollectionCase.objects.filter(pk__in=case_ids, state=to_state, state_changed_at=now),
        event={
            "at": now,
            "kind": CaseEvent.Kind.TRANSITION,
            "transition": transition,
            "from_state": from_state,
            "to_state": to_state,
            "code": code,
        },
        rules_for=rules_for,
        profile_label_for=profile_label_for,
        history_type="~",
        change_reason=f"nightly: {transition}",
        now=now,
    )


def _dpd_rule_passed(rule: str, minimum: int, profile_label: str, dpd_of: dict[int, int]):
    """The guard result each moved case's event records: its days past due met the minimum
    (the record the guard itself keeps, GuardResult.record; its sentence is written when read)."""

    def rules_for(pk: int) -> list[dict]:
        inputs = {"days_past_due": dpd_of[pk], "minimum": minimum, "profile": profile_label}
        return [{"rule": rule, "passed": True, "inputs": inputs}]

    return rules_for


def _same_for_every_case(value):
    return lambda _pk: value


def escalate_by_policy(now: datetime) -> dict[str, int]:
    """Climb every case whose days-past-due guard holds, one rung per night (a case that
    changed state today waits), never for vulnerable borrowers unless the profile says so.
    The field-visit and legal rungs need people's approval and are never automatic."""
    start_of_today = datetime.combine(
        timezone.localdate(now), datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    counts = {}
    for source, target, transition, minimum_field, rule in AUTOMATIC_ESCALATIONS:
        moved = 0
        for code, profile in current_profiles_by_code().items():
            minimum = getattr(profile, minimum_field)
            eligible = CollectionCase.objects.filter(
                state=source, account__borrower__policy_profile_code=code, account__days_past_due__gte=minimum
            )
            if source != CaseState.NEW:
                eligible = eligible.filter(state_changed_at__lt=start_of_today)
            if not profile.auto_escalate_vulnerable:
                eligible = eligible.filter(account__borrower__vulnerable=False)
            rows = list(eligible.values_list("pk", "account__days_past_due"))
            for chunk in _chunks(rows):
                dpd_of = dict(chunk)
                ids = list(dpd_of)
                CollectionCase.objects.filter(pk__in=ids, state=source).update(
                    state=target, ladder_rung=target, state_changed_at=now
                )
                moved += _record_bulk(
                    ids,
                    transition=transition,
                    from_state=source,
                    to_state=target,
                    now=now,
                    code=EventCode.ESCALATED_BY_NIGHTLY_CYCLE,
                    rules_for=_dpd_rule_passed(rule, minimum, profile.label, dpd_of),
                    profile_label_for=_same_for_every_case(profile.label),
                )
        counts[f"escalated_to_{target}"] = moved
    return counts


# Why a case was opened, for its history row.
CASE_OPENED_REASONS = {
    EventCode.OPENED_BY_NIGHTLY_CYCLE: "nightly: case opened",
    EventCode.OPENED_BY_FEED: "loan feed: case opened",
}


def open_cases_for_delinquent_accounts(
    now: datetime, among: list[int] | None = None, code: str = EventCode.OPENED_BY_NIGHTLY_CYCLE
) -> int:
    """A case for every account at least one day overdue that has no open case (only the
    accounts ``among``, when given: the loan feed opens the cases of what it just wrote).
    A written-off account is not reopened: that decision was a supervisor's."""
    accounts = LoanAccount.objects.owing().filter(days_past_due__gte=1)
    if among is not None:
        accounts = accounts.filter(pk__in=among)
    account_ids = list(
        accounts.exclude(cases__state__in=OPEN_STATES)
        .exclude(cases__state=CaseState.WRITTEN_OFF)
        .values_list("pk", flat=True)
    )
    opened = 0
    for chunk in _chunks(account_ids):
        # The partial unique index (one open case per account) makes a concurrent run harmless.
        CollectionCase.objects.bulk_create(
            [CollectionCase(account_id=pk, opened_at=now, state_changed_at=now) for pk in chunk],
            batch_size=1000,
            ignore_conflicts=True,
        )
        created = list(
            CollectionCase.objects.filter(account_id__in=chunk, opened_at=now, state=CaseState.NEW).exclude(
                events__kind=CaseEvent.Kind.OPENED
            )
        )
        events = CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=case.pk,
                    at=now,
                    kind=CaseEvent.Kind.OPENED,
                    to_state=CaseState.NEW,
                    code=code,
                )
                for case in created
            ],
            batch_size=1000,
        )
        history = CollectionCase.history.bulk_history_create(
            created, default_change_reason=CASE_OPENED_REASONS.get(code, "case opened"), default_date=now
        )
        ledger_append_many([*events, *history])
        opened += len(created)
    return opened


def resolve_paid_cases(now: datetime) -> int:
    """Open cases whose balance reached zero (e.g. through the feed) are resolved, and
    nothing more is sent to them (signals.case_closed, per batch)."""
    rows = list(
        CollectionCase.objects.open().filter(account__in=LoanAccount.objects.paid_off()).values_list("pk", "state")
    )
    resolved = 0
    for chunk in _chunks(rows):
        for state in {state for _pk, state in chunk}:
            ids = [pk for pk, s in chunk if s == state]
            CollectionCase.objects.filter(pk__in=ids, state=state).update(
                state=CaseState.RESOLVED, state_changed_at=now, closed_at=now
            )
            resolved += _record_bulk(
                ids,
                transition="resolve",
                from_state=state,
                to_state=CaseState.RESOLVED,
                now=now,
                code=EventCode.RESOLVED_BY_NIGHTLY_CYCLE,
                rules_for=lambda pk: [{"rule": "balance_cleared", "passed": True, "inputs": {"outstanding": "0"}}],
                profile_label_for=lambda pk: "",
            )
        signals.case_closed.send(
            sender=CollectionCase, case_ids=[pk for pk, _ in chunk], why="Case resolved: the balance is paid."
        )
    return resolved


@scheduled_job("release_expired_holds", label=_("Release holds that have ended"))
def release_expired_holds_job(now: datetime | None = None) -> dict[str, int]:
    return {"released": release_expired_holds(now)}


def release_expired_holds(now: datetime | None = None) -> int:
    """Holds whose end date has passed are released, and each case left with no active
    hold goes back to its arrangement or to the rung its DPD calls for, as
    services.release_hold would do one by one; in a few statements per batch."""
    now = now or timezone.now()
    released = 0
    with transaction.atomic(), sealing_deferred():
        hold_ids = list(Hold.objects.expired(now).values_list("pk", flat=True))
        for chunk in _chunks(hold_ids):
            released += _release_holds(chunk, now)
    return released


def _release_holds(hold_ids, now: datetime) -> int:
    note = "ended on its end date"
    released_at = timezone.now()
    # Locked and re-read: a hold released by hand since the ids were read is left alone.
    holds = list(Hold.objects.select_for_update().filter(pk__in=hold_ids, released_at__isnull=True))
    for hold in holds:
        hold.released_at, hold.released_by, hold.release_note = released_at, None, note
    Hold.objects.bulk_update(holds, ["released_at", "released_by", "release_note"], batch_size=1000)
    history = Hold.history.bulk_history_create(
        holds, update=True, default_change_reason=f"hold released: {note}", default_date=released_at
    )
    events = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=hold.case_id,
                at=released_at,
                kind=CaseEvent.Kind.HOLD_RELEASED,
                code=EventCode.HOLD_EXPIRED,
                params={"kind": hold.kind},
            )
            for hold in holds
        ],
        batch_size=1000,
    )
    ledger_append_many([*events, *history])

    # Cases on hold with no other hold still running return where release_from_hold would send them.
    case_ids = {hold.case_id for hold in holds}
    still_held = Hold.objects.active(now).filter(case_id__in=case_ids).values("case_id")
    freed = list(
        CollectionCase.objects.filter(pk__in=case_ids, state=CaseState.ON_HOLD)
        .exclude(pk__in=still_held)
        .select_related("account__borrower")
    )
    today = timezone.localdate(now)
    arranged = cases_with_running_arrangement([case.pk for case in freed], today)
    targets = defaultdict(list)
    for case in freed:
        targets[CaseState.ARRANGEMENT if case.pk in arranged else rung_called_for(case)].append(case)
    for target, cases in targets.items():
        ids = [case.pk for case in cases]
        label_of = {case.pk: case.policy_profile.label for case in cases}
        CollectionCase.objects.filter(pk__in=ids, state=CaseState.ON_HOLD).update(state=target, state_changed_at=now)
        _record_bulk(
            ids,
            transition="release_from_hold",
            from_state=CaseState.ON_HOLD,
            to_state=target,
            now=now,
            code=EventCode.RELEASED_HOLD_EXPIRED,
            rules_for=lambda pk: [{"rule": "no_active_hold", "passed": True, "inputs": {"active_holds": []}}],
            profile_label_for=label_of.get,
        )
    if case_ids:
        signals.hold_released.send(sender=Hold, case_ids=sorted(case_ids), why=f"hold {note}")
    return len(holds)


@scheduled_job("refresh_delinquency", label=_("Refresh days past due and climb the ladder"))
def refresh_delinquency(now: datetime | None = None) -> dict[str, int]:
    """The nightly cycle: DPD for the whole book, cases for newly overdue accounts, paid
    cases resolved, then one rung up wherever the profile's guard holds."""
    now = now or timezone.now()
    with transaction.atomic(), sealing_deferred():
        counts = {"dpd_changed": recompute_days_past_due(timezone.localdate(now))}
        counts["resolved"] = resolve_paid_cases(now)
        counts["opened"] = open_cases_for_delinquent_accounts(now)
        counts.update(escalate_by_policy(now))
    counts["holds_released"] = release_expired_holds(now)
    return counts


@scheduled_job("allocate_cases", label=_("Allocate new cases to collectors"))
def allocate_cases(now: datetime | None = None) -> dict[str, int]:
    """Every open case without a collector gets one by the allocation rule (services.allocation)."""
    return services.allocate_new_cases(now)


# --- promises and plans ------------------------------------------------------------------------


@scheduled_job("check_promises", label=_("Check promises and plans"))
def check_promises(now: datetime | None = None) -> dict[str, int]:
    """Promises past their date and unpaid are broken, missed instalments break their plan;
    the case goes back to its rung (so back into the collector's queue) and whoever plans
    outreach is told (signals.arrangement_broken: a follow-up message the next morning)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic(), sealing_deferred():
        broken_promises = list(
            PromiseToPay.objects.select_for_update().filter(status=PromiseToPay.Status.PENDING, due_date__lt=today)
        )
        for promise in broken_promises:
            promise.status, promise.settled_at = PromiseToPay.Status.BROKEN, now
        PromiseToPay.objects.bulk_update(broken_promises, ["status", "settled_at"], batch_size=1000)
        ledger_append_many(
            PromiseToPay.history.bulk_history_create(
                broken_promises, update=True, default_change_reason="broken: not paid by its date"
            )
        )

        missed = list(
            Installment.objects.select_for_update().filter(
                status=Installment.Status.DUE, due_date__lt=today, paid_amount__lt=F("amount")
            )
        )
        plan_ids = {installment.plan_id for installment in missed}
        for installment in missed:
            installment.status = Installment.Status.MISSED
        Installment.objects.bulk_update(missed, ["status"], batch_size=1000)
        ledger_append_many(
            Installment.history.bulk_history_create(
                missed, update=True, default_change_reason="missed: not paid by its date"
            )
        )
        missed_count = len(missed)
        broken_plans = list(RepaymentPlan.objects.running().filter(pk__in=plan_ids))
        for plan in broken_plans:
            plan.status = RepaymentPlan.Status.BROKEN
        RepaymentPlan.objects.bulk_update(broken_plans, ["status"])
        ledger_append_many(
            RepaymentPlan.history.bulk_history_create(
                broken_plans, update=True, default_change_reason="broken: instalment missed"
            )
        )
        signals.arrangements_broken.send(sender=PromiseToPay, promises=broken_promises, plans=broken_plans)

    affected = {p.case_id for p in broken_promises} | {p.case_id for p in broken_plans}
    returned = follow_ups = 0
    for case in CollectionCase.objects.filter(pk__in=affected).select_related("account__borrower"):
        CaseEvent.objects.create(case=case, at=now, kind=CaseEvent.Kind.PROMISE, code=EventCode.ARRANGEMENT_BROKEN)
        if case.state == CaseState.ARRANGEMENT and not case.has_running_arrangement():
            services.apply_transition(case, "end_arrangement", by=None, code=EventCode.ARRANGEMENT_BROKEN)
            returned += 1
            planned = signals.arrangement_broken.send(sender=CollectionCase, case=case)
            follow_ups += sum(response is not None for _, response in planned)
    return {
        "promises_broken": len(broken_promises),
        "instalments_missed": missed_count,
        "plans_broken": len(broken_plans),
        "cases_returned": returned,
        "follow_ups": follow_ups,
    }


# What the job-run pages call this module's counts (core.job_names).
label_counts(
    released=_("holds released"),
    dpd_changed=_("days past due changed"),
    resolved=_("cases resolved"),
    opened=_("cases opened"),
    holds_released=_("holds released"),
    promises_broken=_("promises broken"),
    instalments_missed=_("instalments missed"),
    plans_broken=_("plans broken"),
    cases_returned=_("cases returned to the ladder"),
    follow_ups=_("follow-ups queued"),
    allocated=_("cases allocated"),
    no_eligible_collector=_("cases no collector takes"),
    rows=_("rows"),
    created=_("created"),
    updated=_("updated"),
    unchanged=_("unchanged"),
    errors=_("problems"),
    **{
        f"escalated_to_{state}": format_lazy(_("escalated to {state}"), state=label)
        for state, label in CaseState.choices
    },
)
