"""Every count a job keeps is shown by a label in the reader's language, never as its key."""

import re

from django.utils import translation

from core.admin import JobRunAdmin
from core.job_names import is_labelled
from core.jobs import registered_jobs, run_job
from core.models import JobRun
from tests.factories import create_case


def _keys(counts, found):
    for name, value in counts.items():
        found.add(name)
        if isinstance(value, dict):
            _keys(value, found)
    return found


def test_every_count_of_every_job_has_a_label(db, eager_tasks):
    create_case(dpd=100)
    for name in registered_jobs():
        run_job(name, trigger="admin")
    keys = set()
    for counts in JobRun.objects.values_list("counts", flat=True):
        _keys(counts, keys)
    assert {"escalated_to_reminder", "planned", "entries"} <= keys  # the jobs ran and counted
    assert sorted(key for key in keys if not is_labelled(key)) == []


def test_what_a_run_did_reads_in_chinese_without_its_keys(db, eager_tasks):
    create_case(dpd=100)
    run = run_job("nightly_cycle", trigger="admin")
    with translation.override("zh-hans"):
        text = JobRunAdmin.what_it_did(None, run)
    assert "升级" in text or "逾期" in text
    assert not re.search(r"[a-z]{3,}", text), text
