"""Celery tasks: thin wrappers that run a compliance job and record it as a JobRun."""
from celery import shared_task

from cases.jobs import run_job

from . import scan, services


def _user(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def verify_audit_chain_job() -> dict:
    report = services.check_audit_chain()
    counts = {"entries": report.entries_checked, "problems": len(report.problems), "head_seq": report.head_seq}
    if report.first_problem is not None:
        counts["first_problem"] = str(report.first_problem)
    return counts


@shared_task
def compliance_scan(trigger: str = "beat", user_id: int | None = None) -> dict:
    return run_job("compliance_scan", scan.compliance_scan, trigger=trigger, by=_user(user_id)).counts


@shared_task
def sample_cases_for_review(trigger: str = "beat") -> dict:
    return run_job("sample_cases_for_review", services.sample_cases_for_review, trigger=trigger).counts


@shared_task
def verify_audit_chain(trigger: str = "beat") -> dict:
    return run_job("verify_audit_chain", verify_audit_chain_job, trigger=trigger).counts
