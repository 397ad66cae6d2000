"""The compliance workspace's scheduled jobs."""

from core.jobs import scheduled_job

from . import scan, services


@scheduled_job("compliance_scan")
def compliance_scan() -> dict[str, int]:
    return scan.compliance_scan()


@scheduled_job("sample_cases_for_review")
def sample_cases_for_review() -> dict[str, int]:
    return services.sample_cases_for_review()


@scheduled_job("verify_audit_chain")
def verify_audit_chain() -> dict:
    report = services.check_audit_chain()
    counts = {"entries": report.entries_checked, "problems": len(report.problems), "head_seq": report.head_seq}
    if report.first_problem is not None:
        counts["first_problem"] = str(report.first_problem)
    return counts
