"""The dossier's case events and visits in the reviewer's language: states and rules by
their names, never their codes; an older event's sentence kept as evidence and marked so."""

import re

from django.utils import translation

from cases import services as case_services
from cases.models import CaseEvent
from compliance.dossier.gather import case_dossier
from policy.selectors import current_profile
from tests.clock import ago
from tests.factories import create_case
from visits.models import FieldVisit

HAN = re.compile(r"[\u4e00-\u9fff]")


def _events(case):
    dossier = case_dossier(case.pk, full_national_id=False, full_contact=False)
    return [entry for entry in dossier.timeline if entry.section in ("event", "visit")]


def test_events_and_visits_read_in_english(db, supervisor, collector):
    case = create_case(dpd=10)
    case_services.escalate(case, by=supervisor)
    FieldVisit.objects.create(
        case=case,
        requested_by=collector,
        reason="Numbers changed.",
        window_start=ago(hours=3),
        window_end=ago(hours=1),
        address="Room 1",
        checked_in_at=ago(hours=2),
        outcome="met_borrower",
    )
    with translation.override("en"):
        opened, escalated, visit = _events(case)
    assert opened.summary == "Case opened: 10 days past due."
    assert escalated.summary == "New → Reminders"
    assert escalated.details == [
        f"✓ Days past due for reminders: 10 days past due; reminders needs at least 1 ({current_profile('CN').label}).",
        f"Policy profile {current_profile('CN').label}.",
    ]
    assert visit.kind == "Field visit (Requested)"
    assert visit.details == [
        "Outcome: Met the borrower.",
        "Report missing: Confirm that you verified the borrower's identity. Say how you verified the identity "
        "(ID card seen, face match…). Choose the borrower's willingness to pay. Choose the borrower's ability to "
        "pay. Write what the borrower was told happens next. Attest that the visit was polite and lawful.",
    ]


def test_events_and_visits_read_in_chinese(db, supervisor, collector):
    case = create_case(dpd=10)
    case_services.escalate(case, by=supervisor)
    FieldVisit.objects.create(
        case=case,
        requested_by=collector,
        reason="号码已停机。",
        window_start=ago(hours=3),
        window_end=ago(hours=1),
        address="Room 1",
        checked_in_at=ago(hours=2),
        outcome="met_borrower",
    )
    with translation.override("zh-hans"):
        opened, escalated, visit = _events(case)
    assert opened.summary == "入催：逾期 10 天。"
    assert escalated.details[-1] == f"政策配置 {current_profile('CN').label}。"
    lines = [escalated.summary, *escalated.details, visit.kind, *visit.details]
    assert all(HAN.search(line) for line in lines)
    assert not any(
        re.search(r"reminder|dpd|Profile|Field visit|Report missing|identity|Outcome|borrower", line) for line in lines
    )


def test_an_older_events_sentence_stays_as_evidence(db):
    """Written while the interface was Chinese, before events kept codes: an English reviewer
    reads it in English, with the sentence kept then beside it, marked as such."""
    case = create_case(dpd=10)
    CaseEvent.objects.create(
        case=case,
        kind=CaseEvent.Kind.TRANSITION,
        transition="start_reminders",
        from_state="new",
        to_state="reminder",
        reason="Nightly cycle.",
        code="escalated_by_nightly_cycle",
        params={"note": ""},  # as migration 0014 read it off the reason
        rules=[
            {
                "rule": "reminder_dpd_reached",
                "passed": True,
                "explanation": "逾期 10 天；短信/邮件提醒至少需要逾期 1 天（CN v1）。",
                "inputs": {"days_past_due": 10, "minimum": 1, "profile": "CN v1"},
            }
        ],
    )
    with translation.override("en"):
        old = _events(case)[-1]
    assert old.summary == "New → Reminders. Escalated by the nightly cycle."
    assert old.details == [
        "As recorded at the time: Nightly cycle.",
        "✓ Days past due for reminders: 10 days past due; reminders needs at least 1 (CN v1).",
        "As recorded at the time: 逾期 10 天；短信/邮件提醒至少需要逾期 1 天（CN v1）。",
    ]
