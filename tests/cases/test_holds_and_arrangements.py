from datetime import timedelta
from decimal import Decimal
import re

from django.core.files.base import ContentFile
from django.utils import timezone
import pytest

from cases import services
from cases.exceptions import HoldError, PlanError, PromiseError
from cases.models import CaseState, CollectionCase, Hold, LoanAccount, RepaymentPlan
from core.exceptions import NotPermitted
from tests.factories import PDF_BYTES, SVG_BYTES, climb_to, create_case


def reload(case):
    return CollectionCase.objects.get(pk=case.pk)


def test_hold_parks_the_case_and_release_returns_it_to_its_rung(db, collector, supervisor):
    case = climb_to(create_case(dpd=35, collector=collector), CaseState.WRITTEN_NOTICE, by=collector)
    hold = services.place_hold(case, Hold.Kind.DISPUTE, by=collector, note="Borrower disputes the fees")
    assert reload(case).state == CaseState.ON_HOLD
    services.release_hold(hold, by=supervisor, note="Statement sent, dispute answered")
    case = reload(case)
    assert case.state == CaseState.WRITTEN_NOTICE
    assert [e.kind for e in case.events.order_by("pk")][-4:] == [
        "hold_placed",
        "transition",
        "hold_released",
        "transition",
    ]


def test_release_returns_to_a_lower_rung_when_payments_cut_delinquency(db, collector, supervisor):
    case = climb_to(create_case(dpd=35, collector=collector), CaseState.WRITTEN_NOTICE, by=collector)
    hold = services.place_hold(case, Hold.Kind.COMPLAINT_INVESTIGATION, by=collector)
    LoanAccount.objects.filter(pk=case.account.pk).update(
        oldest_unpaid_due_date=timezone.localdate() - timedelta(days=10)
    )
    services.release_hold(hold, by=supervisor)
    assert reload(case).state == CaseState.PHONE  # 10 DPD: phone rung, not the letter


def test_case_stays_on_hold_while_another_hold_is_active(db, collector, supervisor):
    case = create_case(dpd=20, collector=collector)
    first = services.place_hold(case, Hold.Kind.DISPUTE, by=collector)
    services.place_hold(reload(case), Hold.Kind.CEASE_COMMUNICATION, by=collector)
    services.release_hold(first, by=supervisor)
    assert reload(case).state == CaseState.ON_HOLD


def test_collectors_place_holds_but_only_supervisors_release_them(db, collector):
    case = create_case(dpd=20, collector=collector)
    hold = services.place_hold(case, Hold.Kind.DISPUTE, by=collector)
    with pytest.raises(NotPermitted):
        services.release_hold(hold, by=collector)
    assert Hold.objects.get(pk=hold.pk).released_at is None


def test_breathing_space_defaults_to_the_profile_length_and_expires(db, supervisor):
    case = climb_to(create_case(dpd=20, profile="UK-FCA", currency="GBP"), CaseState.PHONE, by=supervisor)
    hold = services.place_hold(case, Hold.Kind.BREATHING_SPACE, by=supervisor)
    assert (hold.ends_at - hold.starts_at) == timedelta(days=60)
    assert services.release_expired_holds(now=hold.ends_at - timedelta(seconds=1)) == 0
    assert services.release_expired_holds(now=hold.ends_at) == 1
    assert reload(case).state == CaseState.PHONE


def test_expired_holds_are_released_in_bulk_each_case_where_release_hold_would_send_it(
    db, collector, supervisor, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audit.ledger import seal_pending
    from audit.models import AuditLedger, AuditQueue

    ends = timezone.now() + timedelta(days=3)
    plain = [climb_to(create_case(dpd=12, collector=collector), CaseState.PHONE, by=collector) for _ in range(6)]
    promised = climb_to(create_case(dpd=12, collector=collector), CaseState.PHONE, by=collector)
    services.record_promise(promised, Decimal("100"), timezone.localdate() + timedelta(days=5), by=collector)
    doubly_held = create_case(dpd=12, collector=collector)
    for case in [*plain, reload(promised)]:
        services.place_hold(reload(case), Hold.Kind.DISPUTE, by=collector, until=ends)
    services.place_hold(doubly_held, Hold.Kind.DISPUTE, by=collector, until=ends)
    services.place_hold(reload(doubly_held), Hold.Kind.CEASE_COMMUNICATION, by=collector)
    seal_pending()
    ledger_before = AuditLedger.objects.count()

    with CaptureQueriesContext(connection) as nine_holds:
        assert services.release_expired_holds(now=ends) == 8
    assert all(reload(case).state == CaseState.PHONE for case in plain)
    assert reload(promised).state == CaseState.ARRANGEMENT  # its promise is still running
    assert reload(doubly_held).state == CaseState.ON_HOLD  # the cease request has no end
    event = reload(plain[0]).events.order_by("pk").last()
    assert (event.transition, event.from_state, event.to_state, event.rules[0]["rule"]) == (
        "release_from_hold",
        CaseState.ON_HOLD,
        CaseState.PHONE,
        "no_active_hold",
    )
    released = Hold.objects.get(case=plain[0])
    assert released.release_note == "ended on its end date" and released.history.first().history_type == "~"
    assert AuditQueue.objects.count() > 0 and seal_pending() > 0  # bulk writes are queued and sealed too
    assert AuditLedger.objects.count() > ledger_before
    # Set-based: the statements do not grow with the number of holds.
    for case in plain:
        services.place_hold(reload(case), Hold.Kind.DISPUTE, by=collector, until=ends + timedelta(days=1))
    with django_assert_max_num_queries(len(nine_holds.captured_queries)):
        assert services.release_expired_holds(now=ends + timedelta(days=1)) == 6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "holiday"}, "Unknown hold kind"),
        ({"kind": Hold.Kind.HARDSHIP}, "evidence"),
        ({"kind": Hold.Kind.DISPUTE, "until": "past"}, "end after it starts"),
    ],
)
def test_bad_holds_are_refused(db, collector, kwargs, message):
    case = create_case(dpd=20, collector=collector)
    if kwargs.get("until") == "past":
        kwargs["until"] = timezone.now() - timedelta(days=1)
    with pytest.raises(HoldError, match=message):
        services.place_hold(case, by=collector, **kwargs)
    assert reload(case).state == CaseState.NEW and not Hold.objects.exists()


def test_hardship_with_evidence_is_accepted(db, collector, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    case = create_case(dpd=20, collector=collector)
    hold = services.place_hold(
        case, Hold.Kind.HARDSHIP, by=collector, evidence=ContentFile(PDF_BYTES, name="discharge letter.txt")
    )
    # Kept under a random name with the extension its content calls for, not the uploader's.
    assert re.fullmatch(r"hold-evidence/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", hold.evidence.name)
    assert (tmp_path / hold.evidence.name).read_bytes() == PDF_BYTES


def test_hardship_evidence_that_is_no_document_is_refused(db, collector, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    case = create_case(dpd=20, collector=collector)
    with pytest.raises(HoldError, match="Evidence: this file's content is not of a kind accepted here"):
        services.place_hold(case, Hold.Kind.HARDSHIP, by=collector, evidence=ContentFile(SVG_BYTES, name="note.pdf"))
    assert not Hold.objects.exists() and not any(tmp_path.iterdir())


def test_closed_cases_take_no_hold(db, collector):
    case = create_case(dpd=20, collector=collector)
    services.record_payment(case.account, Decimal("5000"), timezone.now(), "PAID-H")
    with pytest.raises(HoldError, match="closed"):
        services.place_hold(reload(case), Hold.Kind.DISPUTE, by=collector)


def test_hold_during_arrangement_returns_to_the_arrangement(db, collector, supervisor):
    case = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    services.record_promise(case, Decimal("300"), timezone.localdate() + timedelta(days=7), by=collector)
    hold = services.place_hold(reload(case), Hold.Kind.COMPLAINT_INVESTIGATION, by=collector)
    services.release_hold(hold, by=supervisor)
    assert reload(case).state == CaseState.ARRANGEMENT


@pytest.mark.parametrize(
    "amount, days, message",
    [
        (Decimal("0"), 3, "positive"),
        (Decimal("6000"), 3, "exceeds"),
        (Decimal("100"), -1, "past"),
        (Decimal("100"), 31, "at most 30 days"),
    ],
)
def test_bad_promises_are_refused(db, collector, amount, days, message):
    case = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    with pytest.raises(PromiseError, match=message):
        services.record_promise(case, amount, timezone.localdate() + timedelta(days=days), by=collector)
    assert reload(case).state == CaseState.PHONE and not case.promises.exists()


def test_plan_within_policy_runs_at_once(db, collector):
    case = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    today = timezone.localdate()
    plan = services.agree_repayment_plan(
        case, [(today + timedelta(days=30 * i), Decimal("500")) for i in range(1, 7)], by=collector
    )
    assert plan.status == RepaymentPlan.Status.ACTIVE and plan.installments.count() == 6
    assert plan.total_amount == Decimal("3000")
    assert reload(case).state == CaseState.ARRANGEMENT


def test_plan_beyond_policy_waits_for_another_persons_approval(db, collector, supervisor):
    case = climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector)
    today = timezone.localdate()
    plan = services.agree_repayment_plan(
        case, [(today + timedelta(days=30 * i), Decimal("400")) for i in range(1, 9)], by=supervisor
    )
    assert plan.status == RepaymentPlan.Status.PROPOSED and plan.beyond_policy
    assert reload(case).state == CaseState.PHONE
    with pytest.raises(NotPermitted):
        services.approve_repayment_plan(plan, by=collector)
    with pytest.raises(NotPermitted, match="someone other"):
        services.approve_repayment_plan(plan, by=supervisor)
    other_supervisor = type(supervisor).objects.create_user("supervisor-b", is_staff=True)
    other_supervisor.groups.set(supervisor.groups.all())
    services.approve_repayment_plan(plan, by=other_supervisor)
    assert reload(case).state == CaseState.ARRANGEMENT


def test_plan_dates_must_be_in_order(db, collector):
    case = create_case(dpd=20, collector=collector)
    today = timezone.localdate()
    with pytest.raises(PlanError, match="in order"):
        services.agree_repayment_plan(
            case, [(today + timedelta(days=20), 1), (today + timedelta(days=10), 1)], by=collector
        )
