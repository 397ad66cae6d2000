"""
Admin for the case book, one module per concept (as ``cases.models``):

- ``access``: who sees national IDs and contact details in full; the add-page mixin
  that offers only the user's own cases;
- ``borrowers``: borrowers and their contact points;
- ``accounts``: loan accounts and payments;
- ``case``: the collection case page, its inlines, and its events;
- ``arrangements``: promises to pay, repayment plans and their instalments;
- ``holds``: holds, placed and released through the services;
- ``forbearance``: forbearance assessments, recorded through the service;
- ``assignment``: the case list's bulk assignment and its "allocate now" button;
- ``team``: who leads whom, and which new cases each collector takes.

Row visibility comes from ``cases.selectors`` (a collector gets a 404 for someone
else's case, not just a hidden link); every state change goes through
``cases.services``; history is shown read-only and never reverted.

Django's autodiscovery imports this package, so importing it registers every model
admin; other apps import the names below from ``cases.admin``.
"""

from .access import CaseServiceAdminMixin, can_see_full_contact_details, can_see_full_national_id
from .accounts import LoanAccountAdmin, PaymentAdmin
from .arrangements import InstallmentAdmin, InstallmentInline, PromiseForm, PromiseToPayAdmin, RepaymentPlanAdmin
from .borrowers import BorrowerAdmin, ContactPointAdmin, ContactPointInline
from .case import (
    CaseEventAdmin,
    CollectionCaseAdmin,
    CollectionCaseForm,
    HoldInline,
    PromiseInline,
    RepaymentPlanInline,
)
from .forbearance import ForbearanceAssessmentAdmin, ForbearanceAssessmentForm, ForbearanceInline
from .holds import HoldAdmin, HoldForm
from .team import TeamMemberAdmin

__all__ = [
    "CaseServiceAdminMixin",
    "can_see_full_contact_details",
    "can_see_full_national_id",
    "LoanAccountAdmin",
    "PaymentAdmin",
    "InstallmentAdmin",
    "InstallmentInline",
    "PromiseForm",
    "PromiseToPayAdmin",
    "RepaymentPlanAdmin",
    "BorrowerAdmin",
    "ContactPointAdmin",
    "ContactPointInline",
    "CaseEventAdmin",
    "CollectionCaseAdmin",
    "CollectionCaseForm",
    "HoldInline",
    "PromiseInline",
    "RepaymentPlanInline",
    "HoldAdmin",
    "HoldForm",
    "TeamMemberAdmin",
    "ForbearanceAssessmentAdmin",
    "ForbearanceAssessmentForm",
    "ForbearanceInline",
]
