"""Teams, the allocation rule (least-loaded round robin within each collector's languages,
regions and profiles) and bulk assignment: fair, respectful of the rules, set-based,
recorded as events in both languages, in the audit ledger, and refused to the wrong roles."""

from collections import Counter
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
import pytest

from audit.ledger import seal_pending, verify_chain
from audit.models import AuditLedger
from cases import jobs, services
from cases.event_text import EventCode, describe
from cases.models import CaseEvent, CaseState, CollectionCase, TeamMember
from cases.selectors import supervises, team_of
from core.exceptions import NotPermitted
from desk import jobs as desk_jobs
from tests.factories import create_case, make_account, make_borrower, make_user


def member(supervisor=None, *, languages="", regions="", profiles="", takes=True, role="Collector"):
    user = make_user(role)
    TeamMember.objects.create(
        user=user,
        supervisor=supervisor,
        languages=languages,
        regions=regions,
        profiles=profiles,
        takes_new_cases=takes,
    )
    return user


def new_case(*, language="zh-hans", region="", profile="CN", collector=None, borrower_region=""):
    borrower = make_borrower(profile=profile)
    borrower.language, borrower.region = language, borrower_region
    borrower.save()
    account = make_account(borrower, dpd=5)
    account.region = region
    account.save()
    return services.open_case(account, collector=collector)


def held_by(user) -> int:
    return CollectionCase.objects.open().filter(assigned_collector=user).count()


# --- teams ---------------------------------------------------------------------------------


def test_team_of_and_supervises(db, supervisor):
    mine, theirs = member(supervisor), member(make_user("Supervisor"))
    assert list(team_of(supervisor)) == [mine]
    assert supervises(supervisor, mine) and not supervises(supervisor, theirs)


def test_team_rules_take_what_they_list_and_anything_when_empty(db):
    row = TeamMember(languages="en", regions="Shanghai, Beijing ", profiles="")
    assert row.takes(language="en", region=" beijing", profile="US-REGF")
    assert not row.takes(language="zh-hans", region="Beijing", profile="CN")
    assert not row.takes(language="en", region="Guangzhou", profile="CN")
    assert TeamMember().takes(language="zh-hans", region="", profile="UK-FCA")


# --- allocation -------------------------------------------------------------------------------


def test_ten_cases_over_three_equally_eligible_collectors_go_four_three_three(db):
    first, second, third = member(), member(), member()
    for _ in range(10):
        new_case()
    assert services.allocate_new_cases() == {"allocated": 10, "no_eligible_collector": 0}
    # Ties go to the lowest user id: the first collector takes the tenth case.
    assert [held_by(first), held_by(second), held_by(third)] == [4, 3, 3]


def test_the_load_already_held_counts(db):
    busy, some, idle = member(), member(), member()
    for _ in range(5):
        create_case(collector=busy)
    create_case(collector=some)
    closed = create_case(collector=idle)  # a closed case is no load
    CollectionCase.objects.filter(pk=closed.pk).update(state=CaseState.RESOLVED)
    for _ in range(9):
        new_case()
    services.allocate_new_cases()
    # 15 open cases over three collectors: five each, the busiest getting none of the new ones.
    assert [held_by(busy), held_by(some), held_by(idle)] == [5, 5, 5]


def test_a_chinese_speaking_borrower_never_goes_to_an_english_only_collector(db):
    english = member(languages="en")
    chinese = member(languages="zh-hans")
    for _ in range(3):
        create_case(collector=chinese)  # the Chinese-speaking collector is the busier one
    zh = [new_case(language="zh-hans") for _ in range(4)]
    en = [new_case(language="en") for _ in range(2)]
    services.allocate_new_cases()
    assert {CollectionCase.objects.get(pk=case.pk).assigned_collector for case in zh} == {chinese}
    assert {CollectionCase.objects.get(pk=case.pk).assigned_collector for case in en} == {english}


def test_a_region_restricted_collector_never_gets_another_region_and_no_taker_leaves_it_counted(db):
    shanghai = member(regions="Shanghai")
    beijing = member(regions="Beijing, Tianjin")
    in_shanghai = [new_case(region="shanghai ") for _ in range(2)]
    in_tianjin = new_case(region="", borrower_region="TIANJIN")  # the borrower's when the account has none
    in_guangzhou = new_case(region="Guangzhou")
    counts = services.allocate_new_cases()
    assert counts == {"allocated": 3, "no_eligible_collector": 1}
    assert all(CollectionCase.objects.get(pk=case.pk).assigned_collector == shanghai for case in in_shanghai)
    assert CollectionCase.objects.get(pk=in_tianjin.pk).assigned_collector == beijing
    assert CollectionCase.objects.get(pk=in_guangzhou.pk).assigned_collector is None


def test_profiles_and_who_takes_no_new_cases(db, supervisor):
    us_only = member(profiles="US-REGF, US-MA")
    member(takes=False)  # on leave
    gone = member()
    gone.is_active = False
    gone.save()
    member(role="Field agent")  # a team row, but not a collector
    cn = new_case(profile="CN")
    us = new_case(profile="US-REGF", language="en")
    assert services.allocate_new_cases() == {"allocated": 1, "no_eligible_collector": 1}
    assert CollectionCase.objects.get(pk=us.pk).assigned_collector == us_only
    assert CollectionCase.objects.get(pk=cn.pk).assigned_collector is None


def test_running_it_twice_assigns_nothing_new_and_closed_cases_are_left(db):
    collector = member()
    resolved = new_case()
    CollectionCase.objects.filter(pk=resolved.pk).update(state=CaseState.RESOLVED)
    [new_case() for _ in range(3)]
    assert services.allocate_new_cases()["allocated"] == 3
    events = CaseEvent.objects.count()
    assert services.allocate_new_cases() == {"allocated": 0, "no_eligible_collector": 0}
    assert CaseEvent.objects.count() == events
    assert CollectionCase.objects.get(pk=resolved.pk).assigned_collector is None
    assert held_by(collector) == 3


def test_allocation_is_set_based_recorded_and_sealed(db):
    member(), member()
    cases = [new_case(region="Shanghai") for _ in range(40)]
    seal_pending()
    with CaptureQueriesContext(connection) as forty:
        services.allocate_new_cases()
    for _ in range(40):
        new_case()
    with CaptureQueriesContext(connection) as eighty:
        services.allocate_new_cases()
    assert len(eighty) == len(forty) <= 20  # not a query per case
    case = CollectionCase.objects.get(pk=cases[0].pk)
    event = case.events.get(code=EventCode.ALLOCATED_BY_RULE)
    assert event.kind == CaseEvent.Kind.ASSIGNMENT and event.actor is None
    assert event.params == {
        "collector": case.assigned_collector.username,
        "language": "zh-hans",
        "region": "Shanghai",
        "profile": "CN",
        "load": 0,
    }
    with translation.override("en"):
        english = describe(event)
    with translation.override("zh-hans"):
        chinese = describe(event)
    assert english.startswith(f"Allocated to {case.assigned_collector.username} by the allocation rule")
    assert "Chinese" in english and "Shanghai" in english and "China (default)" in english
    assert "中文" in chinese and "分配" in chinese and "Allocated" not in chinese
    history = case.history.order_by("-history_id").first()
    assert history.history_change_reason == "allocated by rule"
    assert history.assigned_collector_id == case.assigned_collector_id
    seal_pending()
    sealed = set(AuditLedger.objects.values_list("table_name", "row_pk"))
    assert (CaseEvent._meta.db_table, event.pk) in sealed
    assert (history._meta.db_table, history.history_id) in sealed
    assert verify_chain().ok


def test_a_supervisor_may_allocate_a_collector_may_not(db, supervisor, collector):
    member()
    new_case()
    with pytest.raises(NotPermitted):
        services.allocate_new_cases(by=collector)
    assert services.allocate_new_cases(by=supervisor)["allocated"] == 1
    assert CaseEvent.objects.get(code=EventCode.ALLOCATED_BY_RULE).actor == supervisor


def test_the_nightly_cycle_allocates_the_cases_it_opened(db):
    collector = member()
    borrower = make_borrower()
    make_account(borrower, dpd=3)
    counts = desk_jobs.nightly_cycle()
    assert counts["refresh_delinquency"]["opened"] == 1
    assert counts["allocate_cases"] == {"allocated": 1, "no_eligible_collector": 0}
    assert list(steps for steps in counts) == [
        "check_promises",
        "refresh_delinquency",
        "allocate_cases",
        "plan_reminders",
        "take_kpi_snapshot",
    ]
    assert held_by(collector) == 1
    assert jobs.allocate_cases() == {"allocated": 0, "no_eligible_collector": 0}


# --- bulk assignment ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Collector", "Field agent", "Compliance reviewer", "Administrator"])
def test_bulk_assignment_is_refused_to_roles_that_do_not_assign(db, role):
    target = make_user("Collector")
    case = create_case()
    with pytest.raises(NotPermitted):
        services.assign_cases([case], target, by=make_user(role), reason="Rebalancing.")
    assert CollectionCase.objects.get(pk=case.pk).assigned_collector is None


def test_supervisors_and_superusers_assign_in_bulk(db, supervisor):
    target = make_user("Collector")
    cases = [create_case() for _ in range(3)]
    assert services.assign_cases(cases, target, by=supervisor, reason="Rebalancing.") == 3
    root = make_user(None)
    root.is_superuser = True
    root.save()
    other = make_user("Collector")
    assert services.assign_cases([c.pk for c in cases], other, by=root, reason="Back from leave.") == 3
    assert held_by(other) == 3 and held_by(target) == 0


def test_a_reason_is_required(db, supervisor):
    case = create_case()
    with pytest.raises(services.ReasonRequired):
        services.assign_cases([case], make_user("Collector"), by=supervisor, reason="   ")


def test_only_an_active_collector_takes_cases(db, supervisor):
    case = create_case()
    with pytest.raises(services.AssignmentError):
        services.assign_cases([case], make_user("Field agent"), by=supervisor, reason="Why not.")
    gone = make_user("Collector")
    gone.is_active = False
    gone.save()
    with pytest.raises(services.AssignmentError):
        services.assign_cases([case], gone, by=supervisor, reason="Why not.")


def test_closed_cases_refuse_the_whole_batch_saying_how_many(db, supervisor):
    target = make_user("Collector")
    open_one = create_case()
    closed = [create_case() for _ in range(2)]
    CollectionCase.objects.filter(pk__in=[c.pk for c in closed]).update(state=CaseState.WRITTEN_OFF)
    with pytest.raises(services.ClosedCasesRefused) as refused:
        services.assign_cases([open_one, *closed], target, by=supervisor, reason="Rebalancing.")
    assert refused.value.count == 2 and "2 of the cases are closed" in str(refused.value)
    assert CollectionCase.objects.get(pk=open_one.pk).assigned_collector is None
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.ASSIGNMENT).exists()


def test_bulk_assignment_writes_events_with_the_reason_and_history_in_one_go(db, supervisor):
    before, target = make_user("Collector", username="wang"), make_user("Collector", username="li")
    cases = [create_case(collector=before, outstanding=Decimal("100")) for _ in range(30)]
    already = create_case(collector=target)
    seal_pending()
    with CaptureQueriesContext(connection) as queries:
        moved = services.assign_cases(
            CollectionCase.objects.filter(pk__in=[c.pk for c in [*cases, already]]),
            target,
            by=supervisor,
            reason="Wang is on leave.",
        )
    assert moved == 30  # the case already Li's is left as it was
    assert len(queries) <= 15
    event = CaseEvent.objects.get(case=cases[0], kind=CaseEvent.Kind.ASSIGNMENT)
    assert (event.code, event.params, event.reason, event.actor) == (
        EventCode.ASSIGNED,
        {"previous": "wang", "collector": "li"},
        "Wang is on leave.",
        supervisor,
    )
    assert not already.events.filter(kind=CaseEvent.Kind.ASSIGNMENT).exists()
    with translation.override("en"):
        assert describe(event) == "Assigned from wang to li. Wang is on leave."
    with translation.override("zh-hans"):
        chinese = describe(event)
    assert chinese.startswith("由 wang 改派给 li") and chinese.endswith("Wang is on leave.")
    history = cases[0].history.order_by("-history_id").first()
    assert history.history_user == supervisor and history.assigned_collector_id == target.pk
    assert history.history_change_reason == "assigned in bulk: Wang is on leave."
    seal_pending()
    assert (CaseEvent._meta.db_table, event.pk) in set(AuditLedger.objects.values_list("table_name", "row_pk"))
    assert Counter(CollectionCase.objects.values_list("assigned_collector", flat=True))[target.pk] == 31
