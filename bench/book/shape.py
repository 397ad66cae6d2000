"""
What the synthetic book looks like: the share of cases in each state and their days
past due, the borrowers' policy profiles, the rungs of the ladder by days past due, the
channel mix of contact attempts by rung, call outcomes, the engine's refusals and their
explanations, and the kinds of hold (bench/README.md, "The synthetic book", tabulates
them). Only numbers and names here; ``writer`` draws from them.
"""

from __future__ import annotations

from cases.models import CaseState

# (state, share of cases, days past due today). Thresholds are the shipped profiles'
# (reminder 1, phone 8, written notice 30): a case reached its rung on an earlier night,
# and the top day of the reminder and phone ranges is the night it climbs again. New
# cases were opened by the loan feed during the day.
STATE_SPREAD = [
    (CaseState.NEW, 0.02, (1, 3)),
    (CaseState.REMINDER, 0.16, (2, 8)),
    (CaseState.PHONE, 0.20, (9, 30)),
    (CaseState.WRITTEN_NOTICE, 0.14, (31, 150)),
    (CaseState.FIELD_VISIT, 0.05, (90, 250)),
    (CaseState.LEGAL, 0.04, (180, 400)),
    (CaseState.ARRANGEMENT, 0.12, (8, 60)),
    (CaseState.ON_HOLD, 0.08, (10, 120)),
    (CaseState.RESOLVED, 0.15, (3, 90)),
    (CaseState.WRITTEN_OFF, 0.04, (300, 400)),
]
PROFILE_SPREAD = [("CN", 70), ("US-REGF", 10), ("US-MA", 8), ("UK-FCA", 12)]
RUNG_FROM_DPD = [
    (180, CaseState.LEGAL),
    (90, CaseState.FIELD_VISIT),
    (30, CaseState.WRITTEN_NOTICE),
    (8, CaseState.PHONE),
    (1, CaseState.REMINDER),
    (0, CaseState.NEW),
]
RUNG_START_DPD = {
    CaseState.NEW: 0,
    CaseState.REMINDER: 1,
    CaseState.PHONE: 8,
    CaseState.WRITTEN_NOTICE: 30,
    CaseState.FIELD_VISIT: 90,
    CaseState.LEGAL: 180,
}

# Contact attempts: channel mix by rung, phone-call outcomes, and refusals.
CHANNEL_MIX = {
    CaseState.NEW: [("sms", 70), ("email", 30)],
    CaseState.REMINDER: [("sms", 70), ("email", 30)],
    CaseState.PHONE: [("phone_call", 65), ("sms", 25), ("email", 10)],
    CaseState.WRITTEN_NOTICE: [("phone_call", 60), ("sms", 20), ("email", 10), ("letter", 10)],
    CaseState.FIELD_VISIT: [("phone_call", 55), ("sms", 15), ("email", 10), ("letter", 10), ("field_visit", 10)],
    CaseState.LEGAL: [("phone_call", 55), ("sms", 15), ("email", 10), ("letter", 10), ("field_visit", 10)],
}
CALL_OUTCOMES = [
    ("no_answer", 42),
    ("busy", 9),
    ("voicemail", 8),
    ("right_party", 12),
    ("promise_to_pay", 8),
    ("refused_to_pay", 5),
    ("callback", 6),
    ("wrong_number", 3),
    ("third_party", 2),
    ("hardship", 3),
    ("disputes_debt", 1),
    ("requests_cease", 1),
]
REACHED = {"right_party", "promise_to_pay", "refused_to_pay", "callback", "hardship", "disputes_debt", "requests_cease"}
BLOCK_RATE = 0.08
# channel -> [(reason, weight, hours until allowed or None)]
REFUSALS = {
    "phone_call": [
        ("outside_hours", 35, 10),
        ("weekly_cap", 20, 72),
        ("daily_cap", 20, 14),
        ("post_conversation_wait", 15, 120),
        ("holiday", 5, 24),
        ("case_on_hold", 5, None),
    ],
    "sms": [("outside_hours", 40, 10), ("daily_cap", 30, 14), ("channel_opt_out", 20, None), ("holiday", 10, 24)],
    "email": [("channel_opt_out", 60, None), ("outside_hours", 40, 10)],
    "letter": [("case_on_hold", 100, None)],
    "field_visit": [("no_approved_visit", 100, None)],
}
EXPLANATIONS = {
    "outside_hours": "It is 22:10 for the borrower; contact only 08:00–21:00.",
    "weekly_cap": "7 calls about this debt in 7 days (limit 7).",
    "daily_cap": "1 text message(s) to this borrower today (limit 1).",
    "post_conversation_wait": "Spoke with the borrower recently; no calls for 7 days from that day.",
    "holiday": "Today is a public holiday for the borrower.",
    "case_on_hold": "The case is on hold (dispute).",
    "channel_opt_out": "The borrower opted out of this contact here.",
    "no_approved_visit": "No approved field visit for this case.",
}
POINT_KIND = {"phone_call": "phone", "sms": "phone", "email": "email", "letter": "postal", "field_visit": "postal"}
HOLD_KINDS = [
    ("dispute", 25),
    ("hardship", 25),
    ("cease_communication", 15),
    ("complaint_investigation", 10),
    ("breathing_space", 25),
]


def _cumulative(pairs):
    """(values, cumulative weights as fractions) for bisect-based weighted choice."""
    total = float(sum(weight for _, weight in pairs))
    running, bounds = 0.0, []
    for _, weight in pairs:
        running += weight
        bounds.append(running / total)
    return [value for value, _ in pairs], bounds


def _rung_for(dpd: int) -> str:
    for minimum, rung in RUNG_FROM_DPD:
        if dpd >= minimum:
            return rung
    return CaseState.NEW
