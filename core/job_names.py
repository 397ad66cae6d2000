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


_count_labels: dict[str, object] = {}


def label_counts(**labels) -> None:
    """Name the counts a job returns (``escalated=_("cases escalated")``): a JobRun keeps
    them under their keys; pages show these labels."""
    _count_labels.update(labels)


def count_label(name: str) -> str:
    """A count's label; a nested step's counts are under the step's job name."""
    if name in _count_labels:
        return str(_count_labels[name])
    if name in _labels:
        return job_label(name)
    return name.replace("_", " ")


def is_labelled(name: str) -> bool:
    return name in _count_labels or name in _labels


_failure_texts: dict[str, object] = {}


def explain_failures(job: str, explain) -> None:
    """``explain(run) -> str | None`` words why a run of ``job`` failed, in the reader's
    language, from what the run stored (an import's problems are codes: cases/imports)."""
    _failure_texts[job] = explain


def failure_text(run) -> str:
    """Why the run failed, for people: the job's own wording, else the error as it was
    caught (an exception's message, which is technical and kept as written)."""
    explain = _failure_texts.get(run.job)
    text = explain(run) if explain is not None else None
    return text or run.error or "—"
