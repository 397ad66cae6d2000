"""
Borrowers, their loan accounts, and the collection case that works an overdue account,
one module per concept:

- ``borrowers``: the borrower and the contact points that reach them;
- ``accounts``: the loan account, its balance, and the payments applied to it;
- ``case``: the collection case and its escalation ladder, and the case's events;
- ``arrangements``: promises to pay and repayment plans;
- ``holds``: what stops collection (disputes, hardship, breathing space…);
- ``forbearance``: forbearance assessments before enforcement;
- ``team``: which supervisor leads each collector, and which new cases they take.
"""

from .accounts import MONEY, NON_NEGATIVE, Currency, Limitation, LoanAccount, Payment
from .arrangements import Installment, PromiseToPay, RepaymentPlan
from .borrowers import PROFILE_PHONE_REGION, Borrower, ContactPoint, Language, normalise_phone
from .case import (
    CLOSED_STATES,
    LADDER,
    NEXT_RUNG_TRANSITION,
    OPEN_STATES,
    RUNG_DPD_GUARDS,
    SIDE_STATES,
    CaseEvent,
    CaseState,
    CollectionCase,
    rung_called_for,
    state_after_hold,
)
from .forbearance import ForbearanceAnswer, ForbearanceAssessment, ForbearanceOption, option_labels
from .holds import Hold
from .team import TeamMember

__all__ = [
    "MONEY",
    "NON_NEGATIVE",
    "Currency",
    "Limitation",
    "LoanAccount",
    "Payment",
    "Installment",
    "PromiseToPay",
    "RepaymentPlan",
    "PROFILE_PHONE_REGION",
    "Borrower",
    "ContactPoint",
    "Language",
    "normalise_phone",
    "CLOSED_STATES",
    "LADDER",
    "NEXT_RUNG_TRANSITION",
    "OPEN_STATES",
    "RUNG_DPD_GUARDS",
    "SIDE_STATES",
    "CaseEvent",
    "CaseState",
    "CollectionCase",
    "rung_called_for",
    "state_after_hold",
    "Hold",
    "ForbearanceAnswer",
    "ForbearanceAssessment",
    "ForbearanceOption",
    "option_labels",
    "TeamMember",
]
