"""
What a visit report must hold, by its outcome: one rule set for the agent's form (each
missing item shown beside its field), the service that files the report (it refuses an
incomplete one, naming the same fields), and the report-complete guard and the dossier.

- Every report says what happened at the door (``outcome``) and attests the conduct.
- Met the borrower: the lender's steps (identity and how, willingness, ability, what they
  were told happens next). What was agreed in person (a promise or a plan) needs the
  signed agreement; a payment taken on the spot needs its receipt.
- Anything else (nobody at home, refused, wrong address, someone else): what the agent saw
  and did. Only the borrower, met in person, agrees a promise, a plan or a payment: those
  fields are refused for the other outcomes rather than quietly dropped.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import VisitOutcome

MET_BORROWER_FIELDS = ("identity_verified", "identity_method", "willingness", "ability", "next_steps")
AGREEMENT_FIELDS = ("promise_amount", "promise_due", "plan_total", "plan_count", "plan_first_due")
SENTENCES = {
    "outcome": _("Say what happened at the door."),
    "identity_verified": _("Confirm that you verified the borrower's identity."),
    "identity_method": _("Say how you verified the identity (ID card seen, face match…)."),
    "willingness": _("Choose the borrower's willingness to pay."),
    "ability": _("Choose the borrower's ability to pay."),
    "next_steps": _("Write what the borrower was told happens next."),
    "conduct_attested": _("Attest that the visit was polite and lawful."),
    "report_note": _("Write what you saw and did (for example: left a card with the hotline)."),
    "agreement_file": _("A promise or a plan agreed in person needs the signed agreement."),
    "receipt_file": _("A payment taken on the spot needs its receipt."),
}
ONLY_WHEN_MET = _("Only the borrower, met in person, can agree a promise, a plan or a payment.")


def _given(report: dict, name: str) -> bool:
    value = report.get(name)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def problems(report: dict) -> dict[str, str]:
    """The report's missing or misplaced items by field name, each with its sentence in the
    reader's language; empty when the report may be filed. ``report`` holds the fields'
    cleaned values (files as files or their stored names)."""
    outcome = report.get("outcome") or ""
    if outcome not in VisitOutcome.values:
        return {"outcome": str(SENTENCES["outcome"])}
    if outcome == VisitOutcome.MET_BORROWER:
        required = [*MET_BORROWER_FIELDS, "conduct_attested"]
        agreed = any(_given(report, name) for name in AGREEMENT_FIELDS)
        if agreed:
            required.append("agreement_file")
        if _given(report, "payment_reference"):
            required.append("receipt_file")
        found = {name: str(SENTENCES[name]) for name in required if not _given(report, name)}
    else:
        found = {name: str(SENTENCES[name]) for name in ("report_note", "conduct_attested") if not _given(report, name)}
        for name in (*AGREEMENT_FIELDS, "payment_reference"):
            if _given(report, name):
                found.setdefault(name, str(ONLY_WHEN_MET))
    return found


def missing_items(visit) -> list[str]:
    """What the visit's stored report lacks, as sentences (the guard and the dossier)."""
    report = {
        name: getattr(visit, name)
        for name in ("outcome", *MET_BORROWER_FIELDS, "conduct_attested", "report_note", "payment_reference")
    }
    report["receipt_file"] = visit.receipt_file.name if visit.receipt_file else ""
    # The agreement is checked when the promise or plan is made (complete_visit); a stored
    # visit's own promise or plan needs its file just the same.
    if visit.promise_id or visit.plan_id:
        report["promise_amount"] = True
    report["agreement_file"] = visit.agreement_file.name if visit.agreement_file else ""
    return list(problems(report).values())
