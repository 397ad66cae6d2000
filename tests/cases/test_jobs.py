"""The nightly cycle: set-based, idempotent, one rung a night, recorded."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
import pytest

from cases import jobs, services
from cases.models import Borrower, CaseEvent, CaseState, CollectionCase, LoanAccount, PromiseToPay
from contacts.models import OutboundMessage
from core.jobs import run_job
from core.models import JobRun
from policy.codes import Channel
from policy.selectors import current_profile
from tests.clients import sign_in
from tests.factories import climb_to, create_case


def test_refresh_delinquency_on_10000_accounts_is_set_based_and_idempotent(db):
    today = timezone.localdate()
    borrowers = Borrower.objects.bulk_create([Borrower(full_name=f"Borrower {i}") for i in range(10_000)])
    LoanAccount.objects.bulk_create(
        [
            LoanAccount(
                borrower=borrower,
                loan_number=f"BULK-{i:05d}",
                product="p",
                principal=Decimal("1000"),
                outstanding_principal=Decimal("0") if i % 10 == 0 else Decimal("1000"),
                oldest_unpaid_due_date=today - timedelta(days=i % 40),
            )
            for i, borrower in enumerate(borrowers)
        ],
        batch_size=2000,
    )
    overdue = sum(1 for i in range(10_000) if i % 10 and i % 40 >= 1)

    with CaptureQueriesContext(connection) as queries:
        counts = jobs.refresh_delinquency()
    # A handful of statements per step and per 5,000-row batch. SQLite's 999-parameter
    # limit splits bulk INSERTs further, but still far from one query per row.
    bound = 120 if connection.vendor == "postgresql" else 1_000
    assert len(queries) < bound, f"{len(queries)} queries: a per-row loop crept in"
    assert counts["opened"] == overdue and counts["escalated_to_reminder"] == overdue
    assert LoanAccount.objects.get(loan_number="BULK-00039").days_past_due == 39
    assert LoanAccount.objects.get(loan_number="BULK-00030").days_past_due == 0  # paid off
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.TRANSITION, transition="start_reminders").count() == overdue
    assert CollectionCase.history.filter(state=CaseState.REMINDER).count() == overdue

    again = jobs.refresh_delinquency()
    assert again["dpd_changed"] == 0 and again["opened"] == 0
    assert all(value == 0 for key, value in again.items() if key.startswith("escalated"))


def test_one_rung_a_night_with_the_rule_recorded(db):
    case = create_case(dpd=45)
    now = timezone.now()
    assert jobs.refresh_delinquency(now)["escalated_to_reminder"] == 1
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.REMINDER
    assert jobs.refresh_delinquency(now)["escalated_to_phone"] == 0  # same night: wait
    tomorrow = now + timedelta(days=1)
    assert jobs.refresh_delinquency(tomorrow)["escalated_to_phone"] == 1
    assert jobs.refresh_delinquency(tomorrow + timedelta(days=1))["escalated_to_written_notice"] == 1
    case = CollectionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.WRITTEN_NOTICE and case.ladder_rung == CaseState.WRITTEN_NOTICE
    event = case.events.get(transition="escalate_to_written_notice")
    assert event.actor is None and event.rules[0]["rule"] == "written_notice_dpd_reached"
    assert event.rules[0]["inputs"]["minimum"] == 30 and event.profile_label == current_profile("CN").label
    # The field-visit rung needs a person's approval: never automatic.
    jobs.refresh_delinquency(tomorrow + timedelta(days=90))
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.WRITTEN_NOTICE


def test_vulnerable_borrowers_and_held_cases_are_not_escalated(db, supervisor):
    vulnerable = create_case(dpd=45, vulnerable=True)
    held = create_case(dpd=45)
    services.place_hold(held, "dispute", by=supervisor)
    jobs.refresh_delinquency()
    assert CollectionCase.objects.get(pk=vulnerable.pk).state == CaseState.NEW
    assert CollectionCase.objects.get(pk=held.pk).state == CaseState.ON_HOLD


def test_paid_accounts_are_resolved_and_their_messages_stopped(db):
    case = climb_to(create_case(dpd=20), CaseState.REMINDER)
    LoanAccount.objects.filter(pk=case.account_id).update(outstanding_principal=0)
    from contacts.models import MessageTemplate

    template = MessageTemplate.objects.create(
        code="t", channel=Channel.SMS, language="zh-hans", body="x", approved_at=timezone.now()
    )
    point = case.account.borrower.contact_points.first()
    OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=template,
        contact_point=point,
        slot=timezone.now(),
        scheduled_for=timezone.now(),
        idempotency_key="paid-1",
    )
    assert jobs.refresh_delinquency()["resolved"] == 1
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.RESOLVED
    assert OutboundMessage.objects.get().state == OutboundMessage.State.SUPPRESSED


def test_written_off_accounts_are_not_reopened(db, supervisor):
    case = create_case(dpd=400)
    services.apply_transition(case, "write_off", by=supervisor, reason="Estate closed without assets.")
    assert jobs.refresh_delinquency()["opened"] == 0


def test_broken_promise_returns_the_case_and_plans_a_follow_up(db, collector):
    case = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    services.record_promise(case, Decimal("100"), timezone.localdate(), by=collector)
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ARRANGEMENT
    assert jobs.check_promises()["promises_broken"] == 0  # due today: not yet broken
    counts = jobs.check_promises(timezone.now() + timedelta(days=1))
    assert counts["promises_broken"] == 1 and counts["cases_returned"] == 1
    assert PromiseToPay.objects.get().status == PromiseToPay.Status.BROKEN
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.PHONE


def test_run_job_records_success_and_failure(db):
    run = run_job("check_promises", trigger="test")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["promises_broken"] == 0 and run.finished_at

    def explode():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        run_job("broken_job", explode, trigger="test")
    failed = JobRun.objects.get(job="broken_job")
    assert failed.status == JobRun.Status.FAILED and "database went away" in failed.error


def test_run_job_command(db, capsys):
    from django.core.management import call_command

    create_case(dpd=3)
    call_command("run_job", "refresh_delinquency")
    assert "escalated_to_reminder" in capsys.readouterr().out
    assert JobRun.objects.get(job="refresh_delinquency").trigger == "command"


def test_admin_button_runs_the_nightly_cycle(db, supervisor, collector):
    from django.test import Client

    from collections_site.celery import app

    create_case(dpd=3)
    client = Client()
    sign_in(client, collector)
    assert client.post(reverse("admin:core_jobrun_run_nightly")).status_code == 403
    sign_in(client, supervisor)
    assert b"Run the nightly cycle now" in client.get(reverse("admin:core_jobrun_changelist")).content
    app.conf.task_always_eager = True  # run the queued task in-process for this test
    try:
        response = client.post(reverse("admin:core_jobrun_run_nightly"))
    finally:
        app.conf.task_always_eager = False
    assert response.status_code == 302
    run = JobRun.objects.get(job="nightly_cycle")
    assert run.started_by == supervisor and run.trigger == "admin"
    assert run.counts["refresh_delinquency"]["escalated_to_reminder"] == 1
