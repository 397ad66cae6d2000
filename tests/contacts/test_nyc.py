"""US-NYC (6 RCNY 5-77, effective 1 Sep 2026): at most 3 contacts or attempts per account in
7 consecutive calendar days, across all media; written consent before e-mail or SMS."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases import services as case_services
from cases.models import CaseState, CollectionCase, ContactPoint, LoanAccount
from policy.codes import Channel, Outcome, Reason
from tests.contacts.asking import decide
from tests.factories import past, phone_case

NEW_YORK = ZoneInfo("America/New_York")


def _nyc_case(**kwargs):
    case = phone_case(
        profile="US-NYC", zone="America/New_York", phones=("+12125550123",), rung=CaseState.PHONE, **kwargs
    )
    email = ContactPoint.objects.create(borrower=case.account.borrower, kind="email", value="b@example.com")
    return case, email


def test_a_fourth_attempt_in_seven_days_across_sms_email_and_call_is_refused(db):
    case, email = _nyc_case()
    past(case, datetime(2027, 3, 1, 10, 0, tzinfo=NEW_YORK), channel=Channel.SMS, outcome=Outcome.SENT)
    past(case, datetime(2027, 3, 3, 10, 0, tzinfo=NEW_YORK), channel=Channel.EMAIL, outcome=Outcome.SENT, point=email)
    at = datetime(2027, 3, 7, 12, 0, tzinfo=NEW_YORK)
    assert decide(case, at).allowed  # the third, a call
    past(case, datetime(2027, 3, 5, 10, 0, tzinfo=NEW_YORK))
    for channel, point in ((Channel.PHONE_CALL, "default"), (Channel.SMS, "default"), (Channel.EMAIL, email)):
        refused = decide(case, at, channel=channel, point=point)
        assert refused.reasons == (Reason.WEEKLY_CAP,), channel
        assert refused.params[0] == {"measure": "account_attempts_7d", "count": 3, "limit": 3}
        # 1 March is day 1: 8 March is the first date with a free slot.
        assert refused.next_allowed_at == datetime(2027, 3, 8, 8, 0, tzinfo=NEW_YORK)
    assert decide(case, datetime(2027, 3, 8, 8, 0, tzinfo=NEW_YORK)).allowed


def test_the_cap_is_per_account_not_per_borrower(db):
    case, _email = _nyc_case()
    second_account = LoanAccount.objects.create(
        borrower=case.account.borrower,
        loan_number="NYC-SECOND",
        product="p",
        currency="USD",
        principal=Decimal("100"),
        outstanding_principal=Decimal("100"),
        oldest_unpaid_due_date=timezone.localdate() - timedelta(days=20),
    )
    other = case_services.open_case(second_account)
    for day in (1, 2, 3):
        past(case, datetime(2027, 3, day, 10, 0, tzinfo=NEW_YORK), other_case=other)
    at = datetime(2027, 3, 4, 12, 0, tzinfo=NEW_YORK)
    # Three attempts about the borrower's other account do not count on this one.
    assert decide(case, at).allowed
    CollectionCase.objects.filter(pk=other.pk).update(ladder_rung=CaseState.PHONE, state=CaseState.PHONE)
    other = CollectionCase.objects.select_related("account__borrower").get(pk=other.pk)
    other.points = case.points
    assert decide(other, at).reasons == (Reason.WEEKLY_CAP,)


def test_no_text_without_written_consent(db):
    case, _email = _nyc_case(consent=False)
    refused = decide(case, datetime(2027, 3, 4, 12, 0, tzinfo=NEW_YORK), channel=Channel.SMS)
    assert refused.reasons == (Reason.CONSENT_REQUIRED,) and refused.next_allowed_at is None
    assert decide(case, datetime(2027, 3, 4, 12, 0, tzinfo=NEW_YORK)).allowed  # a call needs none
