"""The compliance engine's cost (queries that do not grow with history), its combined
answers (the next allowed time), and what it judged staying judged."""

from datetime import time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from cases.models import CollectionCase, Hold
from contacts import engine
from contacts.models import ChannelOptOut, ContactAttempt
from policy.codes import Channel, Outcome, Reason
from policy.models import PolicyProfile
from policy.selectors import current_profile
from policy.services import save_profile_version
from tests.clock import NEW_YORK, SHANGHAI, local
from tests.contacts.asking import decide
from tests.factories import past, phone_case

# --- the engine's cost and combined answers ------------------------------------------------


def test_query_count_does_not_depend_on_history_length(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    at = local(NEW_YORK, hour=12)
    past(case, local(NEW_YORK, day_offset=5))

    def count():
        fresh = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
        with CaptureQueriesContext(connection) as queries:
            decision = engine.evaluate(fresh, Channel.PHONE_CALL, at, contact_point=case.points[0])
        return len(queries), decision

    short, _ = count()
    ContactAttempt.objects.bulk_create(
        [
            ContactAttempt(
                case=case,
                borrower_id=case.account.borrower_id,
                channel=Channel.PHONE_CALL,
                allowed=True,
                started_at=at - timedelta(days=40 + i % 300, minutes=i),
                outcome=Outcome.NO_ANSWER,
                contact_point=case.points[0],
                profile=current_profile("US-REGF"),
            )
            for i in range(500)
        ]
    )
    long, decision = count()
    # Points, holds + opt-outs + the consent ledger (one UNION), the counts; the profiles
    # are cached per process.
    assert decision.allowed and long == short <= 3


def test_a_caller_that_prefetched_the_contact_points_saves_their_query(db):
    case = phone_case()
    ChannelOptOut.objects.create(borrower=case.account.borrower, channel=Channel.PHONE_CALL)
    case_services.place_hold(case, Hold.Kind.DISPUTE, by=None)
    fresh = (
        CollectionCase.objects.select_related("account__borrower")
        .prefetch_related("account__borrower__contact_points")
        .get(pk=case.pk)
    )
    with CaptureQueriesContext(connection) as queries:
        decision = engine.evaluate(fresh, Channel.PHONE_CALL, local(SHANGHAI, hour=12), contact_point=case.points[0])
    # Not read again: the holds, opt-outs and consent ledger (one UNION) and the counts,
    # which PostgreSQL is sent in one round trip.
    assert not [query for query in queries if "is_primary" in query["sql"]]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    # The hold and the opt-out came back through the one UNION query (with the consent
    # ledger).
    assert set(decision.reasons) >= {Reason.CASE_ON_HOLD, Reason.CHANNEL_OPT_OUT}


def test_evaluate_many_answers_a_whole_queue_in_a_fixed_number_of_queries(db):
    cases = [phone_case(phones=(f"+86138000001{i:02d}",)) for i in range(12)]
    at = local(SHANGHAI, hour=12)
    for case in cases[:4]:
        for hour in (9, 10, 11):
            past(case, local(SHANGHAI, hour=hour), outcome=Outcome.RIGHT_PARTY)
    loaded = list(CollectionCase.objects.select_related("account__borrower").filter(pk__in=[c.pk for c in cases]))
    with CaptureQueriesContext(connection) as queries:
        decisions = engine.evaluate_many(loaded, Channel.PHONE_CALL, at, {c.pk: c.points[0] for c in cases})
    assert len(queries) <= 8
    assert [decisions[c.pk].allowed for c in cases] == [False] * 4 + [True] * 8
    assert all(decisions[c.pk].reasons == (Reason.DAILY_CAP,) for c in cases[:4])


def test_next_allowed_at_is_the_first_instant_every_rule_allows(db):
    """Seven calls on seven dates: a slot frees on the eighth date, whatever the hour of the
    first call, and the next allowed time is the start of that date's window."""
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    for day in range(1, 8):
        past(
            case,
            local(NEW_YORK, day_offset=day, hour=20, minute=30)
            if day == 1
            else local(NEW_YORK, day_offset=day, hour=9),
        )
    at = local(NEW_YORK, day_offset=7, hour=12)
    decision = decide(case, at)
    assert decision.reasons == (Reason.WEEKLY_CAP,)
    assert decision.next_allowed_at == local(NEW_YORK, day_offset=8, hour=8)
    # A first call late on day 1 changes nothing: dates count, not hours.
    ContactAttempt.objects.filter(case=case, started_at=local(NEW_YORK, day_offset=1, hour=20, minute=30)).update(
        started_at=local(NEW_YORK, day_offset=1, hour=22, minute=30)
    )
    assert decide(case, at).next_allowed_at == local(NEW_YORK, day_offset=8, hour=8)


def test_profile_change_never_rejudges_past_attempts(db, collector, administrator):
    from contacts.services import record_attempt

    case = phone_case()
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    attempt = record_attempt(
        case, Channel.PHONE_CALL, Outcome.NO_ANSWER, by=collector, at=local(SHANGHAI), contact_point=case.points[0]
    )
    profile = current_profile("CN")
    profile.contact_window_start = time(9, 0)
    new = save_profile_version(profile, by=administrator, note="later start")
    attempt.refresh_from_db()
    assert attempt.profile.version == new.version - 1 and attempt.allowed
    assert PolicyProfile.objects.get(pk=attempt.profile_id).contact_window_start == time(8, 0)


def test_only_approved_template_versions_may_be_sent(db, administrator, reviewer):
    from contacts.services import approve_template, save_template_version

    case = phone_case()
    template = save_template_version(
        code="sms-1",
        channel=Channel.SMS,
        language="zh-hans",
        by=administrator,
        body="【{lender_name}】{borrower_name}您好，请尽快还款。",
    )
    at = local(SHANGHAI, hour=10)
    refused = decide(case, at, channel=Channel.SMS, template=template)
    assert refused.reasons == (Reason.TEMPLATE_NOT_APPROVED,) and refused.next_allowed_at is None
    assert decide(case, at, channel=Channel.SMS, template=approve_template(template, by=reviewer)).allowed
