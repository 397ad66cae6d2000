"""Weekly caps count the borrower's calendar dates (POLICY.md second edition; Reg F
1006.14(b)(2): "seven consecutive days", the day of the first call is day 1), not rolling
168-hour windows; with several candidate zones, the strictest reading."""

from datetime import datetime
from zoneinfo import ZoneInfo

from policy.codes import Reason
from tests.contacts.asking import decide
from tests.factories import past, phone_case

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def test_seven_dates_across_the_end_of_daylight_saving(db):
    # Daylight saving ends on Sunday 7 November 2027: that date has 25 hours.
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",))
    past(case, datetime(2027, 11, 1, 20, 0, tzinfo=NEW_YORK))  # day 1, late
    for day in range(2, 8):
        past(case, datetime(2027, 11, day, 10, 0, tzinfo=NEW_YORK))
    refused = decide(case, datetime(2027, 11, 7, 20, 30, tzinfo=NEW_YORK))
    assert refused.reasons == (Reason.WEEKLY_CAP,)
    # Day 8 is free from the start of its window; 168 hours after the first call would
    # have kept it closed until 19:00.
    assert refused.next_allowed_at == datetime(2027, 11, 8, 8, 0, tzinfo=NEW_YORK)
    assert decide(case, datetime(2027, 11, 8, 8, 0, tzinfo=NEW_YORK)).allowed
    # On day 7 itself the count is already seven, whatever the hour.
    assert decide(case, datetime(2027, 11, 7, 11, 0, tzinfo=NEW_YORK)).reasons == (Reason.WEEKLY_CAP,)


def test_with_two_candidate_zones_the_later_calendar_counts(db):
    # A New York and a Los Angeles number: the first call was on 1 March in Los Angeles
    # but already 2 March in New York, so the window frees on 8 March in Los Angeles and
    # 9 March in New York: the strictest reading waits for 9 March.
    case = phone_case(profile="US-REGF", zone="", phones=("+12125550123", "+14155550199"))
    past(case, datetime(2027, 3, 2, 0, 30, tzinfo=NEW_YORK))  # 1 March, 21:30 in Los Angeles
    for day in range(3, 9):
        past(case, datetime(2027, 3, day, 12, 0, tzinfo=NEW_YORK))
    refused = decide(case, datetime(2027, 3, 8, 12, 0, tzinfo=NEW_YORK))
    # Read in Los Angeles (listed first) only six calls fall on 2-8 March; read in New
    # York, seven: the strictest reading refuses.
    assert refused.reasons == (Reason.WEEKLY_CAP,)
    # 9 March opens when it is 08:00 in Los Angeles (11:00 in New York): both windows.
    assert refused.next_allowed_at == datetime(2027, 3, 9, 8, 0, tzinfo=LOS_ANGELES)
