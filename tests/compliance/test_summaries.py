"""Findings store meaning (a summary code with its parameters, evidence codes with theirs)
and are worded when read, in the reader's language: compliance/summaries.py."""

from datetime import datetime
import re

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
import pytest

from compliance import scan, services
from compliance.findings import store_findings
from compliance.models import Finding, Rule
from compliance.summaries import EVIDENCE, SENTENCES, evidence_labels, evidence_sentence, summary_sentence
from core.when import local_datetime
from preferences.models import StaffProfile
from tests.clients import sign_in
from tests.factories import create_case, make_user

HAN = re.compile(r"[\u3400-\u9fff]")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CONTACTED, CLOSED, PAID = "2026-11-24T01:30:00+00:00", "2026-11-22T02:00:00+00:00", "2026-11-21T12:00:00+00:00"
# What people wrote or are called stays as written in every language.
PEOPLE = ["collector7", "supervisor2", "called back at their request", "T-000123"]

# One finding of every summary code, with the rule it belongs to and its English wording.
EXAMPLES = [
    (
        Rule.CONTACT_AFTER_REPAYMENT,
        "contact_after_close",
        {"contacted_at": CONTACTED, "closed_at": CLOSED},
        "Contacted 24 Nov 2026 09:30, after the case closed on 22 Nov 2026 10:00.",
    ),
    (
        Rule.CONTACT_AFTER_REPAYMENT,
        "contact_after_payoff",
        {"contacted_at": CONTACTED, "paid_off_at": PAID, "closed_at": CLOSED},
        "Contacted 24 Nov 2026 09:30, after the borrower paid off on 21 Nov 2026 20:00 "
        "(the case closed when the payment reached us, 22 Nov 2026 10:00).",
    ),
    (
        Rule.REPEATED_BLOCKS,
        "repeated_blocks",
        {
            "agent": "collector7",
            "count": 3,
            "case": 12,
            "first_at": CLOSED,
            "last_at": CONTACTED,
            "reasons": ["daily_cap", "outside_hours"],
        },
        "collector7 was refused 3 times on case 12 between 22 Nov 2026 10:00 and 24 Nov 2026 09:30 "
        "(Daily limit reached, Outside the borrower's contact hours).",
    ),
    (
        Rule.OVERRIDE,
        "override",
        {
            "supervisor": "supervisor2",
            "reasons": ["weekly_cap"],
            "case": 12,
            "at": CONTACTED,
            "override_reason": "called back at their request",
        },
        "supervisor2 overrode a refusal (Weekly limit reached) on case 12 (24 Nov 2026 09:30): "
        "“called back at their request”",
    ),
    (
        Rule.CONVERSATION_WAIT,
        "conversation_wait",
        {"day": 3, "wait": 7, "conversation_at": CLOSED},
        "Called on day 3 of the 7-day wait after a conversation on 22 Nov 2026 10:00.",
    ),
    (
        Rule.CAPS_NEAR_LIMIT,
        "caps_near_limit",
        {
            "borrower": 5,
            "measure": "attempts_per_borrower_7d",
            "limit": 10,
            "looked_at": 4,
            "weeks": [{"from": "2026-11-02", "count": 9}, {"from": "2026-11-09", "count": 10}],
        },
        "Borrower 5: attempts on all channels within one of the weekly limit of 10 in 2 of the last 4 weeks "
        "(9 in the week from 2 Nov 2026, 10 in the week from 9 Nov 2026).",
    ),
    (
        Rule.CAPS_NEAR_LIMIT,
        "caps_near_limit",
        {
            "borrower": 5,
            "measure": "calls_per_debt_7d",
            "limit": 7,
            "looked_at": 4,
            "weeks": [{"from": "2026-11-02", "count": 6}],
        },
        "Borrower 5: calls on this debt within one of the weekly limit of 7 in 1 of the last 4 weeks "
        "(6 in the week from 2 Nov 2026).",
    ),
    (
        Rule.THIRD_PARTY_CONTACT,
        "third_party_contact",
        {"relation": "", "at": CONTACTED, "case": 12},
        "Third party (relation not given) contacted 24 Nov 2026 09:30 on case 12.",
    ),
    (
        Rule.VISIT_WITHOUT_REPORT,
        "visit_without_report",
        {"visit": 4, "case": 12, "state": "in_progress"},
        "Field visit 4 on case 12 is in progress without a completed report.",
    ),
    (
        Rule.COMPLAINT,
        "complaint",
        {"category": "harassment", "channel": "phone", "received_at": CONTACTED},
        "Harassment complaint received 24 Nov 2026 09:30 (phone).",
    ),
    (
        Rule.AUDIT_CHAIN,
        "audit_chain",
        {
            "kind": "content",
            "table": "cases_historicalcollectioncase",
            "row": 7,
            "seq": 42,
            "detail": "the row was changed after it was written",
        },
        "Audit chain broken at Collection case, version, row 7 (ledger entry #42): "
        "a sealed row was changed after it was written.",
    ),
]

EVIDENCE_EXAMPLES = [
    ("attempt", {"channel": "sms", "at": CONTACTED, "agent": "collector7"}, "SMS 24 Nov 2026 09:30 by collector7"),
    ("attempt", {"channel": "phone_call", "at": CONTACTED, "agent": ""}, "Phone call 24 Nov 2026 09:30 by system"),
    ("case", {"case": 12, "loan": "T-000123"}, "Case 12 · T-000123"),
    ("payment", {"paid_at": PAID}, "Payment paid 21 Nov 2026 20:00"),
    ("third_party_point", {"relation": ""}, "Third-party contact point (relation not given)"),
    ("visit", {"visit": 4, "state": "in_progress"}, "Visit 4 (In progress)"),
    ("complaint", {"complaint": 3, "category": "privacy"}, "Complaint 3 (Privacy (disclosure to others))"),
    ("borrower", {"borrower": 5}, "Borrower 5"),
    ("ledger_entry", {"seq": 42}, "Ledger entry #42"),
]


def latin_words(text: str) -> list[str]:
    for written in PEOPLE:
        text = text.replace(written, " ")
    return ENGLISH_WORD.findall(text)


def test_every_scan_rule_and_summary_code_has_an_example():
    assert {code for _rule, code, _params, _english in EXAMPLES} == set(SENTENCES)
    assert {rule for rule, _code, _params, _english in EXAMPLES} == set(Rule.values) - {Rule.MANUAL}
    assert {code for code, _params, _english in EVIDENCE_EXAMPLES} == set(EVIDENCE)


@pytest.mark.parametrize("rule, code, params, english", EXAMPLES)
def test_every_finding_reads_english(db, rule, code, params, english):
    with translation.override("en"):
        text = summary_sentence(code, params)
    assert text == english
    assert not HAN.search(text) and not ISO_DAY.search(text)


@pytest.mark.parametrize("rule, code, params, english", EXAMPLES)
def test_every_finding_reads_chinese(db, rule, code, params, english):
    with translation.override("zh-hans"):
        text = summary_sentence(code, params)
    assert HAN.search(text), text
    assert latin_words(text) == [], text
    assert not ISO_DAY.search(text), text


@pytest.mark.parametrize("code, params, english", EVIDENCE_EXAMPLES)
def test_every_piece_of_evidence_reads_in_both_languages(db, code, params, english):
    with translation.override("en"):
        assert evidence_sentence(code, params) == english
    with translation.override("zh-hans"):
        chinese = evidence_sentence(code, params)
    assert HAN.search(chinese) and not ISO_DAY.search(chinese)
    assert [word for word in latin_words(chinese) if word != "SMS"] == [], chinese


def test_times_are_the_sites_local_time_in_the_readers_style():
    params = {"contacted_at": CONTACTED, "closed_at": CLOSED}
    with translation.override("zh-hans"):
        chinese = summary_sentence("contact_after_close", params)
        assert local_datetime(datetime.fromisoformat(CONTACTED)) in chinese and "2026年11月24日 09:30" in chinese


# --- findings the scan stores, and those a reviewer types ------------------------------------


def reader(language: str):
    user = make_user("Compliance reviewer")
    StaffProfile.objects.create(user=user, language=language)
    return sign_in(Client(), user)


def test_a_scan_finding_reads_in_each_readers_language(db, reviewer):
    case = create_case()
    services.record_complaint(
        by=reviewer,
        borrower=case.account.borrower,
        case=case,
        channel="phone",
        category="harassment",
        description="called five times at night",
    )
    with translation.override("zh-hans"):  # whoever runs the scan, the finding stores meaning
        now = timezone.now()
        (finding,) = store_findings(scan.open_complaints(scan.ScanWindow(now=now, since=now)))
    finding.refresh_from_db()
    assert finding.summary_code == "complaint" and finding.summary_params["category"] == "harassment"
    assert finding.summary.startswith("Harassment complaint received")  # the stored fallback, in English

    english = reader("en").get(reverse("compliance:workspace")).content.decode()
    with translation.override("en"):
        assert finding.summary_text in english
    assert "Open complaint: 1" in english and "complaint: 1" not in english.replace("Open complaint: 1", "")

    chinese_client = reader("zh-hans")
    chinese = chinese_client.get(reverse("compliance:workspace")).content.decode()
    with translation.override("zh-hans"):
        worded, rule = finding.summary_text, str(Rule.COMPLAINT.label)
    assert HAN.search(worded) and worded in chinese and "Harassment complaint" not in chinese
    assert f"{rule}: 1" in chinese and "complaint: 1" not in chinese

    detail = chinese_client.get(reverse("admin:compliance_finding_change", args=[finding.pk])).content.decode()
    assert worded in detail and "Harassment complaint" not in detail
    with translation.override("zh-hans"):
        labels = evidence_labels(finding.evidence)
    assert all(HAN.search(label) and label in detail for label in labels)


def test_a_reviewers_own_finding_keeps_the_words_they_typed(db, reviewer):
    case = create_case()
    finding = services.raise_finding(by=reviewer, severity="low", summary="打电话给了亲戚 and said why", case=case)
    assert finding.summary_code == ""
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert finding.summary_text == "打电话给了亲戚 and said why"
    with translation.override("en"):
        assert evidence_labels(finding.evidence) == [f"Case {case.pk} · {case.account.loan_number}"]


# --- findings raised before the codes were kept ----------------------------------------------

BEFORE_CODES = [("compliance", "0008_roles_after_ground_floor")]
OLD_SUMMARY = "Contacted 2026-11-02 10:00, after the case closed on 2026-11-01 09:00."


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_findings_raised_before_codes_keep_their_summary():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(BEFORE_CODES)
        executor.loader.build_graph()
        old_apps = executor.loader.project_state(BEFORE_CODES).apps
        old_apps.get_model("compliance", "Finding").objects.create(
            rule="contact_after_repayment",
            severity="high",
            summary=OLD_SUMMARY,
            evidence=[
                {"model": "cases.Borrower", "id": 5, "label": "Borrower 5"},
                {"model": "contacts.ContactAttempt", "id": 999999, "label": "Phone call 2026-11-02 10:00 by c1"},
            ],
            fingerprint="before-codes",
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

    finding = Finding.objects.get(fingerprint="before-codes")
    assert (finding.summary_code, finding.summary_params) == ("", {})
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert finding.summary_text == OLD_SUMMARY  # the fallback: as it was written
    with translation.override("zh-hans"):
        borrower, gone = evidence_labels(finding.evidence)
    # Worded anew from the record's number; an attempt no longer there keeps its stored label.
    assert HAN.search(borrower) and "5" in borrower and gone == "Phone call 2026-11-02 10:00 by c1"
