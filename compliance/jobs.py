"""The compliance workspace's scheduled jobs."""

from django.utils.translation import gettext_lazy as _

from audit.ledger import seal_pending
from core.job_names import label_counts
from core.jobs import scheduled_job

from . import scan, services

label_counts(
    contact_after_repayment=_("contacts after repayment"),
    repeated_blocks=_("repeated refusals"),
    overrides=_("overrides"),
    conversation_wait_breaches=_("calls within the wait after a conversation"),
    caps_near_limit=_("caps near the limit"),
    third_party_contacts=_("third-party contacts"),
    visits_without_report=_("visits without a report"),
    open_complaints=_("open complaints"),
    created=_("created"),
    agents=_("agents"),
    sampled=_("cases sampled"),
    sealed_first=_("entries sealed first"),
    entries=_("entries checked"),
    problems=_("problems"),
    head_seq=_("last entry"),
    anchors=_("anchors checked"),
    backlog_rows=_("rows waiting to be sealed"),
    first_problem=_("first problem"),
)


@scheduled_job("compliance_scan", label=_("Compliance scan"))
def compliance_scan() -> dict[str, int]:
    return scan.compliance_scan()


@scheduled_job("sample_cases_for_review", label=_("Sample cases for review"))
def sample_cases_for_review() -> dict[str, int]:
    return services.sample_cases_for_review()


@scheduled_job("verify_audit_chain", label=_("Verify the audit ledger"))
def verify_audit_chain() -> dict:
    sealed = seal_pending()  # what is still queued is sealed first, then all of it is checked
    report = services.check_audit_chain()
    counts = {
        "sealed_first": sealed,
        "entries": report.entries_checked,
        "problems": len(report.problems),
        "head_seq": report.head_seq,
        "anchors": report.anchors_checked,
        "backlog_rows": report.backlog_rows,
    }
    if report.first_problem is not None:
        counts["first_problem"] = str(report.first_problem)
    return counts
