"""
The compliance engine: may this contact happen now, and if not, why and when?

``evaluate(case, channel, at, ...)`` returns a Decision (allowed, reasons and the
parameters behind each, next_allowed_at; its ``explanations`` word them in the language
active when they are read). It works in two steps:

1. ``facts.load_facts`` gathers everything the rules need for one case or a whole work queue in
   a fixed handful of queries (counts are SQL aggregates, never a Python loop over the
   contact history), so its cost does not grow with the history or the queue.
2. Each rule in ``rules`` is a small pure function of those facts returning a Refusal (reason
   code, its parameters, earliest instant it would allow, or None when waiting alone will
   not help) or nothing. Adding a rule is adding a function to RULES, its sentence to
   ``contacts.refusals`` and a test.

Every number comes from the borrower's policy profile (POLICY.md); comments cite the rule.
Inbound contacts (the borrower calling us) are not judged. The consent rule reads the
borrower's consent ledger (one query per batch) and has its facts and judgement in
``consent``: a withdrawal is honoured on every profile; its two exceptions are a single
consent request (US-NYC) and the single confirmation of a withdrawal.
"""

from .facts import evaluate, evaluate_many, evaluate_routes, load_facts, reached_borrower
from .points import PointRow, contact_points_of
from .rules import (
    CHANNEL_MIN_RUNG,
    CHANNELS_WITHOUT_HOURS,
    RULES,
    ContactRequestError,
    Decision,
    Facts,
    Refusal,
    decide,
    next_open_instant,
)

__all__ = [
    "PointRow",
    "contact_points_of",
    "evaluate",
    "evaluate_many",
    "evaluate_routes",
    "load_facts",
    "reached_borrower",
    "CHANNEL_MIN_RUNG",
    "CHANNELS_WITHOUT_HOURS",
    "RULES",
    "ContactRequestError",
    "Decision",
    "Facts",
    "Refusal",
    "decide",
    "next_open_instant",
]
