"""
Before enforcement: recording a forbearance assessment (EU CCD2 art. 35, FCA PS24/2), an
acknowledgement of the debt (the limitation period runs again from it), and a default
charge, which a profile may cap (EU-CCD2: costs only).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.ledger import audited_atomic
from core.money import format_money
from core.when import local_date
from policy.selectors import current_profile

from .. import signals
from ..event_text import EventCode
from ..exceptions import AcknowledgementError, DefaultChargeCapExceeded, ForbearanceError, InvalidCharge, InvalidPayment
from ..models import (
    CLOSED_STATES,
    CaseEvent,
    CollectionCase,
    ForbearanceAnswer,
    ForbearanceAssessment,
    ForbearanceOption,
    LoanAccount,
)
from .access import _require, _require_case_access, _stamp
from .payments import _as_money


def _checked_options(options_offered, answer: str, accepted_option: str) -> list[str]:
    options = list(dict.fromkeys(options_offered or []))  # in the order offered, once each
    unknown = [option for option in options if option not in ForbearanceOption.values]
    if unknown:
        raise ForbearanceError(
            _("Unknown forbearance option %(option)r.") % {"option": unknown[0]}, field="options_offered"
        )
    if not options:
        raise ForbearanceError(_("Offer the borrower at least one forbearance option."), field="options_offered")
    if answer not in ForbearanceAnswer.values:
        raise ForbearanceError(_("Say what the borrower answered."), field="answer")
    if answer == ForbearanceAnswer.ACCEPTED and accepted_option not in options:
        raise ForbearanceError(
            _("An accepted answer names the option accepted, one of those offered."), field="accepted_option"
        )
    if answer != ForbearanceAnswer.ACCEPTED and accepted_option:
        raise ForbearanceError(
            _("Only an accepted answer names an accepted option; leave it empty."), field="accepted_option"
        )
    return options


@audited_atomic
def record_forbearance_assessment(
    case: CollectionCase,
    *,
    circumstances: str,
    options_offered,
    answer: str,
    by,
    accepted_option: str = "",
    debt_advice_offered: bool = False,
    note: str = "",
    assessed_at: datetime | None = None,
) -> ForbearanceAssessment:
    """Record what was offered to a borrower in difficulty and what they said. Whoever
    works the case may (the same rule as for holds and promises)."""
    _require(by, "cases.add_forbearanceassessment", "record forbearance assessments")
    case = CollectionCase.objects.select_for_update().select_related("account__borrower").get(pk=case.pk)
    _require_case_access(by, case)
    if not case.is_open:
        raise ForbearanceError(
            _("Case %(pk)s is %(lower)s; a closed case takes no forbearance assessment.")
            % {"pk": case.pk, "lower": case.get_state_display().lower()}
        )
    circumstances = (circumstances or "").strip()
    if not circumstances:
        raise ForbearanceError(_("Describe the borrower's circumstances as assessed."), field="circumstances")
    accepted_option = accepted_option or ""
    options = _checked_options(options_offered, answer, accepted_option)
    assessed_at = assessed_at or timezone.now()
    if timezone.is_naive(assessed_at):
        raise ForbearanceError(_("assessed_at must be timezone-aware."))
    if assessed_at > timezone.now() + timezone.timedelta(minutes=5):
        raise ForbearanceError(_("An assessment cannot be dated in the future."))
    assessment = ForbearanceAssessment(
        case=case,
        circumstances=circumstances,
        options_offered=options,
        answer=answer,
        accepted_option=accepted_option,
        debt_advice_offered=bool(debt_advice_offered),
        note=note,
        assessed_at=assessed_at,
        assessed_by=by,
    )
    _stamp(assessment, by, "forbearance assessed")
    assessment.save()
    CaseEvent.objects.create(
        case=case,
        at=assessed_at,
        kind=CaseEvent.Kind.FORBEARANCE,
        actor=by,
        code=EventCode.FORBEARANCE_ASSESSED,
        params={
            "options": options,
            "answer": answer,
            "accepted_option": accepted_option,
            "debt_advice": bool(debt_advice_offered),
        },
        reason=note,
    )
    signals.forbearance_assessed.send(sender=ForbearanceAssessment, assessment=assessment)
    return assessment


def _open_case_of(account: LoanAccount):
    return CollectionCase.objects.filter(account=account).exclude(state__in=CLOSED_STATES).first()


@audited_atomic
def record_acknowledgement(account: LoanAccount, *, on: date, by, evidence: str) -> LoanAccount:
    """The borrower acknowledged the debt in writing or on a recorded call on ``on``: the
    limitation period runs again from that day."""
    _require(by, "cases.record_acknowledgement", "record acknowledgements of a debt")
    if not isinstance(on, date) or isinstance(on, datetime):
        raise AcknowledgementError(_("Give the day of the acknowledgement as a date."))
    if on > timezone.localdate():
        raise AcknowledgementError(_("An acknowledgement cannot be dated in the future."))
    evidence = (evidence or "").strip()
    if not evidence:
        raise AcknowledgementError(_("Say where the written or recorded acknowledgement is kept."))
    account = LoanAccount.objects.select_for_update().get(pk=account.pk)
    case = _open_case_of(account)
    if case is not None:
        _require_case_access(by, case)
    if account.last_acknowledged_on is not None and on <= account.last_acknowledged_on:
        # The period runs from the latest payment or acknowledgement; an older one moves nothing.
        raise AcknowledgementError(
            _("The debt was already paid or acknowledged on %(day)s; an earlier acknowledgement changes nothing.")
            % {"day": local_date(account.last_acknowledged_on)}
        )
    account.last_acknowledged_on = on
    account.acknowledgement_evidence = evidence
    _stamp(account, by, "debt acknowledged")
    account.save(update_fields=["last_acknowledged_on", "acknowledgement_evidence"])
    if case is not None:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.ACKNOWLEDGEMENT,
            actor=by,
            code=EventCode.DEBT_ACKNOWLEDGED,
            params={"on": on.isoformat()},
            reason=evidence,
        )
    return account


@audited_atomic
def post_default_charge(account: LoanAccount, amount, reason: str, *, by) -> LoanAccount:
    """Add a default charge to the account's fees, within its profile's cap (EU CCD2 art.
    35: default charges no more than the costs; an empty cap: as the contract says)."""
    _require(by, "cases.post_default_charge", "post default charges")
    try:
        amount = _as_money(amount)
    except InvalidPayment as refusal:
        raise InvalidCharge(str(refusal)) from None
    if amount <= 0:
        raise InvalidCharge(_("A default charge must be more than 0."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidCharge(_("Say what the default charge is for."))
    account = LoanAccount.objects.select_for_update().select_related("borrower").get(pk=account.pk)
    case = _open_case_of(account)
    if case is not None:
        _require_case_access(by, case)
    profile = current_profile(account.borrower.policy_profile_code)
    cap = profile.default_charge_cap
    if cap is not None and account.outstanding_fees + amount > cap:
        raise DefaultChargeCapExceeded(
            _("A default charge of %(amount)s would bring the fees to %(fees)s; %(label)s allows at most %(cap)s.")
            % {
                "amount": format_money(amount, account.currency),
                "fees": format_money(account.outstanding_fees + amount, account.currency),
                "label": profile.label,
                "cap": format_money(cap, account.currency),
            }
        )
    account.outstanding_fees += amount
    _stamp(account, by, f"default charge: {reason}")
    account.save(update_fields=["outstanding_fees"])
    if case is not None:
        CaseEvent.objects.create(
            case=case,
            kind=CaseEvent.Kind.CHARGE,
            actor=by,
            code=EventCode.DEFAULT_CHARGE_POSTED,
            params={"amount": str(amount), "currency": account.currency, "fees": str(account.outstanding_fees)},
            reason=reason,
        )
    return account
