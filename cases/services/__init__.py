"""
State-changing rules for cases: each function runs in one transaction, checks the
acting user's permission, and raises a named exception from ``cases.exceptions``
with a sentence a person can read. ``by=None`` means the system (nightly cycle,
payment feed) is acting.

One module per concept (as ``cases.models``), every name below importable from
``cases.services``:

- ``access``: the permission and own-book checks, and who and why for history rows;
- ``case``: transitions, opening and assigning a case, the written notice;
- ``allocation``: bulk assignment, and the allocation rule that gives new cases a collector;
- ``payments``: recording a payment, and what it settles;
- ``holds``: placing and releasing holds;
- ``arrangements``: promises to pay and repayment plans (their terms judged against the
  policy profile, an even schedule, approval and rejection beyond policy);
- ``forbearance``: forbearance assessments, acknowledgements of the debt, default charges.
"""

from core.exceptions import NotPermitted

from ..exceptions import (
    AcknowledgementError,
    AssignmentError,
    CaseAlreadyOpen,
    CaseChangedConcurrently,
    ClosedCasesRefused,
    DefaultChargeCapExceeded,
    ForbearanceError,
    HoldError,
    InvalidCharge,
    InvalidPayment,
    PaymentConflict,
    PlanError,
    PromiseError,
    ReasonRequired,
    TransitionRefused,
)
from .access import _actor, _require, _require_case_access, _stamp
from .allocation import allocate_new_cases, assign_cases
from .arrangements import (
    PlanTerms,
    agree_repayment_plan,
    approve_repayment_plan,
    plan_terms,
    record_promise,
    reject_repayment_plan,
    schedule_installments,
)
from .case import (
    COLLECTOR_GROUP,
    _transition_for,
    apply_transition,
    assign_case,
    check_transition,
    collectors,
    escalate,
    open_case,
    record_written_notice,
    record_written_notices,
    transition_label,
)
from .forbearance import post_default_charge, record_acknowledgement, record_forbearance_assessment
from .holds import place_hold, record_crisis_treatment_end, release_expired_holds, release_hold
from .payments import _as_money, _settle_promises, record_payment

__all__ = [
    # The refusals these services raise, as callers have caught them from here.
    "NotPermitted",
    "AcknowledgementError",
    "AssignmentError",
    "CaseAlreadyOpen",
    "CaseChangedConcurrently",
    "ClosedCasesRefused",
    "DefaultChargeCapExceeded",
    "ForbearanceError",
    "HoldError",
    "InvalidCharge",
    "InvalidPayment",
    "PaymentConflict",
    "PlanError",
    "PromiseError",
    "ReasonRequired",
    "TransitionRefused",
    # Other apps' services apply the same checks (contacts, visits, compliance).
    "_actor",
    "_require",
    "_require_case_access",
    "_stamp",
    "allocate_new_cases",
    "assign_cases",
    "PlanTerms",
    "agree_repayment_plan",
    "approve_repayment_plan",
    "plan_terms",
    "record_promise",
    "reject_repayment_plan",
    "schedule_installments",
    "COLLECTOR_GROUP",
    "_transition_for",
    "apply_transition",
    "assign_case",
    "check_transition",
    "collectors",
    "escalate",
    "open_case",
    "record_written_notice",
    "record_written_notices",
    "transition_label",
    "post_default_charge",
    "record_acknowledgement",
    "record_forbearance_assessment",
    "place_hold",
    "record_crisis_treatment_end",
    "release_expired_holds",
    "release_hold",
    "_as_money",
    "_settle_promises",
    "record_payment",
]
