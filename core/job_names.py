"""What people read for each job, in their language: a JobRun keeps the job's name (a code
such as ``nightly_cycle``); pages show the label its app gave it."""

from __future__ import annotations

_labels: dict[str, object] = {}


def label_job(name: str, label) -> None:
    """Name a job for the pages (a lazy translation); scheduled jobs are named by
    ``core.jobs.scheduled_job(label=...)``, others (an import, say) call this."""
    _labels[name] = label


def job_label(name: str) -> str:
    return str(_labels.get(name, name.replace("_", " ").replace(".", " ")))
