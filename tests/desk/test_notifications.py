"""Notifications: each kind made by the real service path and given to the right people
only; read and unread; only one's own; the header's count in one query; the daily digest
in each person's language, once a day."""

from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import jobs as case_jobs
from cases import services as case_services
from cases.models import CaseState
from compliance import scan
from compliance import services as compliance_services
from compliance.findings import Candidate, Evidence, store_findings
from core.models import JobRun
from core.tasks import run_scheduled_job
from desk import notifications
from desk.jobs import send_notification_digest
from desk.models import Notification, NotificationSettings
from preferences.models import StaffProfile
from tests.clients import client_for
from tests.clock import ago, window
from tests.factories import climb_to, create_case, eligible_case, make_attempt, make_user
from tests.feeds import WANG, accounts_csv, upload
from visits import services as visit_services

Kind = Notification.Kind


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def request_visit(case, by):
    start, end = window()
    return visit_services.request_visit(
        case, by=by, reason="Numbers changed.", window_start=start, window_end=end, address="上海市黄浦区人民路1号"
    )


# --- who is told what ------------------------------------------------------------------------


def test_a_visit_request_tells_every_supervisor_and_its_decision_tells_the_requester(
    db, collector, other_collector, supervisor, reviewer, agents
):
    second_supervisor = make_user("Supervisor")
    visit = request_visit(eligible_case(collector=collector), collector)
    assert kinds_of(supervisor) == kinds_of(second_supervisor) == [Kind.VISIT_REQUESTED]
    assert kinds_of(collector) == kinds_of(other_collector) == kinds_of(reviewer) == []
    told = Notification.objects.get(user=supervisor)
    shown = notifications.described(told)
    assert shown["link"] == reverse("visits:decide", args=[visit.pk])
    assert (
        shown["sentence"]
        == f"{collector.get_username()} asks for a field visit on case {visit.case.account.loan_number}."
    )

    visit_services.approve_visit(visit, by=second_supervisor, agents=agents)
    approved = Notification.objects.get(user=collector)
    assert approved.kind == Kind.VISIT_APPROVED and kinds_of(supervisor) == [Kind.VISIT_REQUESTED]
    assert notifications.described(approved)["link"] == reverse("desk:case", args=[visit.case_id])


def test_a_rejected_visit_tells_the_requester_why(db, collector, supervisor, agents):
    visit = request_visit(eligible_case(collector=collector), collector)
    visit_services.reject_visit(visit, by=supervisor, why="Call the employer first.")
    rejected = Notification.objects.get(user=collector)
    assert rejected.kind == Kind.VISIT_REJECTED
    assert notifications.described(rejected)["sentence"].endswith(
        f"rejected your field visit request on case {visit.case.account.loan_number}: Call the employer first."
    )


def test_the_nights_broken_promises_go_to_each_cases_collector_in_one_insert(db, collector, other_collector):
    mine = [climb_to(create_case(dpd=20, collector=collector), CaseState.PHONE, by=collector) for _ in range(3)]
    theirs = climb_to(create_case(dpd=20, collector=other_collector), CaseState.PHONE, by=other_collector)
    for case, by in [*((case, collector) for case in mine), (theirs, other_collector)]:
        case_services.record_promise(case, Decimal("100.50"), timezone.localdate(), by=by)
    with CaptureQueriesContext(connection) as night:
        counts = case_jobs.check_promises(timezone.now() + timedelta(days=1))
    assert counts["promises_broken"] == 4
    assert kinds_of(collector) == [Kind.PROMISE_BROKEN] * 3 and kinds_of(other_collector) == [Kind.PROMISE_BROKEN]
    inserts = [q for q in night.captured_queries if q["sql"].startswith('INSERT INTO "desk_notification"')]
    assert len(inserts) == 1, "one notification per query crept into the night"
    told = Notification.objects.get(user=other_collector)
    assert notifications.described(told)["sentence"].startswith("The promise to pay CN¥100.50 by ")
    assert notifications.described(told)["link"] == reverse("desk:case", args=[theirs.pk])


def test_findings_go_to_the_reviewers_only(db, collector, supervisor, reviewer):
    second_reviewer = make_user("Compliance reviewer")
    case = create_case(collector=collector)
    make_attempt(
        case, ago(days=1), agent=supervisor, overridden_by=supervisor, override_reason="asked", reasons=["weekly_cap"]
    )
    assert scan.compliance_scan()["created"] == 1
    assert kinds_of(reviewer) == kinds_of(second_reviewer) == [Kind.FINDING_OPENED]
    assert kinds_of(supervisor) == kinds_of(collector) == []
    told = notifications.described(Notification.objects.get(user=reviewer))
    assert "New compliance finding (Low)" in told["sentence"] or "New compliance finding (" in told["sentence"]
    assert case.account.loan_number in told["sentence"]

    # A reviewer's own finding tells the other reviewers, not the one who raised it.
    finding = compliance_services.raise_finding(by=reviewer, severity="high", summary="Tone", case=case)
    assert kinds_of(reviewer) == [Kind.FINDING_OPENED]
    assert kinds_of(second_reviewer) == [Kind.FINDING_OPENED, Kind.FINDING_OPENED]
    last = Notification.objects.filter(user=second_reviewer).latest("pk")
    assert notifications.described(last)["link"] == reverse("admin:compliance_finding_change", args=[finding.pk])


def test_a_night_of_many_findings_is_one_line_per_reviewer(db, collector, reviewer):
    case = create_case(collector=collector)
    candidates = [
        Candidate(
            "overrides",
            "low",
            f"finding {n}",
            [Evidence("cases.CollectionCase", case.pk, "case", {"case": case.pk, "loan": case.account.loan_number})],
            key=str(n),
        )
        for n in range(notifications.FINDINGS_ONE_BY_ONE + 5)
    ]
    assert len(store_findings(candidates)) == notifications.FINDINGS_ONE_BY_ONE + 5
    told = Notification.objects.get(user=reviewer)
    assert told.kind == Kind.FINDINGS_OPENED
    assert notifications.described(told)["sentence"] == "The compliance scan opened 15 new findings."


def test_an_import_tells_whoever_started_it_how_it_ended(db, eager_tasks, administrator, supervisor):
    client = client_for(administrator)
    client.post(reverse("cases:import_feed"), {"kind": "accounts", "file": upload(accounts_csv(WANG))})
    finished = Notification.objects.get(user=administrator)
    run = JobRun.objects.get(job="import_accounts")
    assert finished.kind == Kind.IMPORT_FINISHED
    assert notifications.described(finished)["link"] == reverse("cases:import_progress", args=[run.pk])
    assert "1 created" in notifications.described(finished)["sentence"]

    client.post(
        reverse("cases:import_feed"), {"kind": "accounts", "file": upload(accounts_csv({**WANG, "principal": "x"}))}
    )
    failed = Notification.objects.filter(user=administrator).latest("pk")
    assert (
        failed.kind == Kind.IMPORT_FAILED
        and "failed: nothing was imported" in notifications.described(failed)["sentence"]
    )
    assert kinds_of(supervisor) == []


# --- reading them --------------------------------------------------------------------------------


def test_unread_count_and_mark_read(db, collector, other_collector):
    made = notifications.notify([collector], Kind.PLAN_BROKEN, case=1, loan="L-1")
    notifications.notify([collector, other_collector], Kind.FINDINGS_OPENED, count=2)
    assert notifications.unread_count(collector) == 2 and notifications.unread_count(other_collector) == 1
    assert notifications.mark_read(collector, [made[0].pk]) == 1
    assert notifications.unread_count(collector) == 1
    # Someone else's ids change nothing.
    theirs = Notification.objects.get(user=other_collector)
    assert notifications.mark_read(collector, [theirs.pk]) == 0 and notifications.unread_count(other_collector) == 1
    assert notifications.mark_read(collector) == 1 and notifications.unread_count(collector) == 0
    assert [n.kind for n in notifications.recent(collector, 5)] == [Kind.FINDINGS_OPENED, Kind.PLAN_BROKEN]


def test_the_list_marks_unread_in_words_and_opening_one_marks_it_read(db, collector):
    case = create_case(collector=collector)
    made = notifications.notify([collector], Kind.PLAN_BROKEN, case=case.pk, loan=case.account.loan_number)[0]
    client = client_for(collector)
    page = client.get(reverse("desk:notifications")).content.decode()
    assert 'class="unread"' in page and ">Unread<" in page
    assert f"The repayment plan on case {case.account.loan_number} is broken" in page
    assert 'Notifications: <span class="count">1</span> unread' in page
    response = client.post(reverse("desk:notification_read", args=[made.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("desk:case", args=[case.pk])
    assert Notification.objects.get(pk=made.pk).read_at is not None
    page = client.get(reverse("desk:notifications")).content.decode()
    assert ">Unread<" not in page and ">Read<" in page


def test_mark_all_read_and_paging(db, supervisor):
    notifications.notify_many((supervisor.pk, Kind.FINDINGS_OPENED, {"count": n}) for n in range(30))
    client = client_for(supervisor)
    first = client.get(reverse("desk:notifications")).content.decode()
    assert "opened 29 new findings" in first and "opened 0 new findings" not in first and "Page 1 of 2" in first
    assert "opened 0 new findings" in client.get(reverse("desk:notifications"), {"page": 2}).content.decode()
    client.post(reverse("desk:notifications_read_all"))
    assert notifications.unread_count(supervisor) == 0


def test_someone_elses_notification_is_not_found(db, collector, other_collector):
    theirs = notifications.notify([other_collector], Kind.PLAN_BROKEN, case=1, loan="L-1")[0]
    assert client_for(collector).post(reverse("desk:notification_read", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client_for(collector).get(reverse("desk:notification_read", args=[theirs.pk])).status_code == 405


def test_the_header_count_costs_one_query_on_every_staff_page(db, supervisor):
    notifications.notify([supervisor], Kind.FINDINGS_OPENED, count=3)
    client = client_for(supervisor)
    for url in (reverse("admin:index"), reverse("admin:core_jobrun_changelist")):
        with CaptureQueriesContext(connection) as page:
            content = client.get(url).content.decode()
        assert 'Notifications: <span class="count">1</span> unread' in content
        counted = [q for q in page.captured_queries if '"desk_notification"' in q["sql"]]
        assert len(counted) == 1, counted


# --- the digest -------------------------------------------------------------------------------------


def _opt_in(user, email, language=""):
    user.email = email
    user.save(update_fields=["email"])
    NotificationSettings.objects.create(user=user, daily_digest=True)
    if language:
        StaffProfile.objects.create(user=user, language=language)


def test_the_digest_goes_once_a_day_to_each_person_who_asked_in_their_language(
    db, collector, other_collector, supervisor
):
    _opt_in(collector, "c@example.com", language="zh-hans")
    _opt_in(supervisor, "s@example.com", language="en")
    other_collector.email = "o@example.com"
    other_collector.save(update_fields=["email"])  # did not ask for it
    case = create_case(collector=collector)
    for user in (collector, other_collector, supervisor):
        notifications.notify([user], Kind.PLAN_BROKEN, case=case.pk, loan=case.account.loan_number)
    read = notifications.notify([supervisor], Kind.FINDINGS_OPENED, count=4)[0]
    notifications.mark_read(supervisor, [read.pk])

    counts = send_notification_digest()
    assert counts["digests_sent"] == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"c@example.com", "s@example.com"}
    chinese = by_recipient["c@example.com"]
    assert f"案件 {case.account.loan_number} 的还款计划已违约" in chinese.body, chinese.body
    assert "未读" in chinese.subject
    english = by_recipient["s@example.com"]
    assert f"The repayment plan on case {case.account.loan_number} is broken" in english.body
    assert "opened 4 new findings" not in english.body  # read already
    assert "/desk/cases/" in english.body

    assert send_notification_digest()["digests_sent"] == 0 and len(mail.outbox) == 2  # not twice the same day
    assert NotificationSettings.objects.get(user=collector).digest_sent_on == timezone.localdate()


def test_the_digest_is_the_persons_own_choice(db, collector):
    client = client_for(collector)
    client.post(reverse("desk:notification_digest"), {"daily_digest": "on"})
    assert NotificationSettings.objects.get(user=collector).daily_digest is True
    client.post(reverse("desk:notification_digest"), {})
    assert NotificationSettings.objects.get(user=collector).daily_digest is False


def test_the_digest_runs_as_a_scheduled_job(db, collector):
    _opt_in(collector, "c@example.com")
    notifications.notify([collector], Kind.FINDINGS_OPENED, count=1)
    assert run_scheduled_job("send_notification_digest") == {"digests_sent": 1, "digests_empty": 0, "digests_failed": 0}
    run = JobRun.objects.get(job="send_notification_digest")
    assert run.status == JobRun.Status.SUCCEEDED
