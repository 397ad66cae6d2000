"""The compliance engine against the database: what stops contact whatever the hour or
the count — holds, cease requests, opt-outs, closed cases, invalid points, the ladder's
rungs, a visit not approved, third parties — and requests that are errors, not refusals."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase, ContactPoint, Hold, LoanAccount
from contacts import engine
from contacts.models import ChannelOptOut, ContactAttempt
from policy.codes import Channel, Outcome, Reason
from tests.clock import NEW_YORK, SHANGHAI, local
from tests.contacts.asking import decide
from tests.factories import past, phone_case

# --- holds, cease, opt-out, closed, invalid, stage, visit -----------------------------------


def test_cease_request_blocks_everything_but_required_notices(db, supervisor):
    from contacts.services import approve_template, save_template_version

    case = phone_case(rung=CaseState.WRITTEN_NOTICE)
    case_services.place_hold(case, Hold.Kind.CEASE_COMMUNICATION, by=supervisor)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    at = local(SHANGHAI, hour=10)
    refused = decide(case, at)
    assert refused.reasons == (Reason.CEASE_REQUESTED,) and refused.next_allowed_at is None
    author = type(supervisor).objects.create_user("author")
    notice = save_template_version(
        code="collection-ends",
        channel=Channel.LETTER,
        language="zh-hans",
        body="【{lender_name}】{borrower_name}：我们将停止催收。",
        by=author,
        is_required_notice=True,
    )
    notice = approve_template(notice, by=_reviewer())
    assert engine.evaluate(case, Channel.LETTER, at, contact_point=address, template=notice).allowed


def test_a_required_notice_goes_below_the_written_notice_rung(db, supervisor):
    """A cease request on a case still on the phone rung: the "collection ends" letter the
    law requires must still go, although letters otherwise wait for the written-notice
    rung. An ordinary letter on that rung is still refused."""
    from contacts.services import approve_template, save_template_version

    case = phone_case(rung=CaseState.PHONE)
    case_services.place_hold(case, Hold.Kind.CEASE_COMMUNICATION, by=supervisor)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    at = local(SHANGHAI, hour=10)
    author = type(supervisor).objects.create_user("author")
    versions = {
        required: approve_template(
            save_template_version(
                code=f"letter-{required}",
                channel=Channel.LETTER,
                language="zh-hans",
                body="【{lender_name}】{borrower_name}：我们将停止催收。",
                by=author,
                is_required_notice=required,
            ),
            by=_reviewer(),
        )
        for required in (True, False)
    }
    assert engine.evaluate(case, Channel.LETTER, at, contact_point=address, template=versions[True]).allowed
    ordinary = engine.evaluate(case, Channel.LETTER, at, contact_point=address, template=versions[False])
    assert Reason.STAGE_NOT_REACHED in ordinary.reasons and Reason.CEASE_REQUESTED in ordinary.reasons


def _reviewer():
    from tests.factories import make_user

    return make_user("Compliance reviewer")


def test_hold_refuses_until_it_ends(db, supervisor):
    case = phone_case(profile="UK-FCA", zone="Europe/London", phones=("+442079460123",))
    hold = case_services.place_hold(case, Hold.Kind.BREATHING_SPACE, by=supervisor)
    at = hold.starts_at + timedelta(hours=1)
    refused = decide(case, at)
    assert refused.reasons[0] == Reason.CASE_ON_HOLD
    assert refused.next_allowed_at >= hold.ends_at
    # The moment the breathing space ends contact is allowed again, job or no job.
    london = ZoneInfo("Europe/London")
    noon_before_end = (hold.ends_at - timedelta(days=1)).astimezone(london).replace(hour=12, minute=0)
    noon_after_end = (hold.ends_at + timedelta(days=1)).astimezone(london).replace(hour=12, minute=0)
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD
    assert decide(case, noon_before_end).reasons == (Reason.CASE_ON_HOLD,)
    assert decide(case, noon_after_end).allowed
    case_services.place_hold(CollectionCase.objects.get(pk=case.pk), Hold.Kind.DISPUTE, by=supervisor)
    assert decide(case, at).next_allowed_at is None  # an open-ended hold: waiting alone won't do


def test_channel_opt_out_is_per_channel(db, collector):
    case = phone_case()
    at = local(SHANGHAI, hour=10)
    ChannelOptOut.objects.create(borrower=case.account.borrower, channel=Channel.SMS)
    assert decide(case, at, channel=Channel.SMS).reasons == (Reason.CHANNEL_OPT_OUT,)
    assert decide(case, at).allowed
    ContactPoint.objects.filter(pk=case.points[0].pk).update(opted_out=True)
    case.points[0].refresh_from_db()
    assert decide(case, at).reasons == (Reason.CHANNEL_OPT_OUT,)


def test_invalid_contact_point(db):
    case = phone_case()
    assert decide(case, local(SHANGHAI)).allowed
    ContactPoint.objects.filter(pk=case.points[0].pk).update(is_invalid=True)
    case.points[0].refresh_from_db()
    assert decide(case, local(SHANGHAI)).reasons == (Reason.INVALID_CONTACT_POINT,)


def test_channel_must_wait_for_its_rung(db):
    case = phone_case(rung=CaseState.REMINDER)
    at = local(SHANGHAI)
    assert decide(case, at, channel=Channel.SMS).allowed
    assert decide(case, at).reasons == (Reason.STAGE_NOT_REACHED,)
    address = ContactPoint.objects.create(borrower=case.account.borrower, kind="postal", value="上海市人民路1号")
    assert engine.evaluate(case, Channel.LETTER, at, contact_point=address).reasons == (Reason.STAGE_NOT_REACHED,)
    fresh = phone_case(rung=CaseState.NEW)
    assert decide(fresh, at, channel=Channel.SMS).reasons == (Reason.STAGE_NOT_REACHED,)


def test_field_visit_needs_an_approved_visit(db):
    case = phone_case(rung=CaseState.WRITTEN_NOTICE)
    decision = engine.evaluate(case, Channel.FIELD_VISIT, local(SHANGHAI))
    assert Reason.NO_APPROVED_VISIT in decision.reasons


def test_paid_case_blocks_every_channel_and_stores_the_attempt(db, collector):
    from contacts.services import ContactBlocked, record_attempt

    case = phone_case()
    CollectionCase.objects.filter(pk=case.pk).update(assigned_collector=collector)
    case_services.record_payment(case.account, case.account.outstanding_total, timezone.now(), "PAID-ALL")
    points = case.points
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    case.points = points
    borrower = case.account.borrower
    email = ContactPoint.objects.create(borrower=borrower, kind="email", value="x@example.cn")
    postal = ContactPoint.objects.create(borrower=borrower, kind="postal", value="上海市人民路1号")
    social = ContactPoint.objects.create(borrower=borrower, kind="social", value="wechat:fang")
    targets = {
        Channel.PHONE_CALL: case.points[0],
        Channel.SMS: case.points[0],
        Channel.EMAIL: email,
        Channel.LETTER: postal,
        Channel.SOCIAL: social,
        Channel.FIELD_VISIT: None,
    }
    for channel, point in targets.items():
        with pytest.raises(ContactBlocked) as blocked:
            record_attempt(
                case,
                channel,
                Outcome.NO_ANSWER if channel == "phone_call" else Outcome.SENT,
                by=collector,
                at=local(SHANGHAI),
                contact_point=point,
            )
        assert Reason.CASE_CLOSED in blocked.value.decision.reasons
    stored = ContactAttempt.objects.filter(case=case)
    assert stored.count() == 6 and not stored.filter(allowed=True).exists()
    assert all(Reason.CASE_CLOSED in attempt.reasons for attempt in stored)


def test_a_cleared_balance_blocks_contact_even_before_the_case_is_resolved(db):
    case = phone_case()
    LoanAccount.objects.filter(pk=case.account_id).update(outstanding_principal=0)
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    case.points = list(ContactPoint.objects.filter(borrower=case.account.borrower))
    assert decide(case, local(SHANGHAI)).reasons == (Reason.CASE_CLOSED,)


# --- third parties ---------------------------------------------------------------------


def _third_party(case, number):
    point = ContactPoint(
        borrower=case.account.borrower, kind="phone", value=number, owner="third_party", third_party_relation="employer"
    )
    point.full_clean()
    point.save()
    return point


def test_reg_f_contacts_a_third_party_once(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    employer = _third_party(case, "+12125550188")
    at = local(NEW_YORK)
    assert decide(case, at, point=employer).allowed
    past(case, local(NEW_YORK, day_offset=2), point=employer, outcome=Outcome.THIRD_PARTY)
    assert decide(case, at, point=employer).reasons == (Reason.THIRD_PARTY_LIMIT,)


def test_cn_third_parties_only_when_the_borrower_is_unreachable(db):
    case = phone_case()
    relative = _third_party(case, "+8613900000009")
    at = local(SHANGHAI, hour=16)
    past(case, local(SHANGHAI, hour=9))
    past(case, local(SHANGHAI, hour=10))
    assert decide(case, at, point=relative).reasons == (Reason.THIRD_PARTY_LIMIT,)
    past(case, local(SHANGHAI, hour=11), outcome=Outcome.BUSY)
    assert decide(case, at, point=relative).allowed
    past(case, local(SHANGHAI, hour=12), outcome=Outcome.RIGHT_PARTY)  # reached again: no third parties
    assert decide(case, at, point=relative).reasons == (Reason.THIRD_PARTY_LIMIT,)


def test_request_errors_are_not_policy_refusals(db):
    case = phone_case()
    stranger = phone_case(phones=("+8613800000099",))
    with pytest.raises(engine.ContactRequestError, match="another borrower"):
        decide(case, local(SHANGHAI), point=stranger.points[0])
    email = ContactPoint.objects.create(borrower=case.account.borrower, kind="email", value="a@example.cn")
    with pytest.raises(engine.ContactRequestError, match="phone contact point"):
        decide(case, local(SHANGHAI), point=email)
    with pytest.raises(engine.ContactRequestError, match="timezone-aware"):
        decide(case, datetime(2026, 12, 1, 10, 0))


def test_a_crisis_breathing_space_blocks_until_treatment_ends_plus_30_days(db, supervisor):
    """UK Debt Respite Scheme: a mental-health crisis moratorium has no fixed 60 days. It
    blocks with no next time while the treatment runs (still on day 200), the nightly
    release leaves it alone, and once the end of treatment is recorded it ends 30 days
    after that day."""
    from cases.exceptions import HoldError
    from cases.jobs import release_expired_holds

    case = phone_case(profile="UK-FCA", zone="Europe/London", phones=("+442079460123",))
    with pytest.raises(HoldError):
        case_services.place_hold(
            case, Hold.Kind.CRISIS_BREATHING_SPACE, by=supervisor, until=timezone.now() + timedelta(days=60)
        )
    hold = case_services.place_hold(case, Hold.Kind.CRISIS_BREATHING_SPACE, by=supervisor)
    assert hold.ends_at is None
    london = ZoneInfo("Europe/London")
    day_200 = (hold.starts_at + timedelta(days=200)).astimezone(london).replace(hour=12, minute=0)
    refused = decide(case, day_200)
    assert refused.reasons == (Reason.CASE_ON_HOLD,) and refused.next_allowed_at is None
    assert release_expired_holds(day_200) == 0
    assert Hold.objects.get(pk=hold.pk).released_at is None

    treatment_ended = day_200.date()
    with pytest.raises(HoldError):  # a treatment cannot end before the moratorium began
        case_services.record_crisis_treatment_end(
            hold, ended_on=hold.starts_at.date() - timedelta(days=1), by=supervisor
        )
    other = case_services.place_hold(case, Hold.Kind.DISPUTE, by=supervisor)
    with pytest.raises(HoldError):  # only a crisis breathing space ends with a treatment
        case_services.record_crisis_treatment_end(other, ended_on=treatment_ended, by=supervisor)
    case_services.release_hold(other, by=supervisor)
    hold = case_services.record_crisis_treatment_end(hold, ended_on=treatment_ended, by=supervisor)
    assert hold.ends_at.date() == treatment_ended + timedelta(days=30)
    assert decide(case, day_200 + timedelta(days=29)).reasons == (Reason.CASE_ON_HOLD,)
    assert decide(case, day_200 + timedelta(days=29)).next_allowed_at >= hold.ends_at
    assert decide(case, day_200 + timedelta(days=31)).allowed
    with pytest.raises(HoldError):
        case_services.record_crisis_treatment_end(hold, ended_on=treatment_ended, by=supervisor)
