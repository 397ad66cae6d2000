"""Who may do what: reviewers read everything and change nothing but findings, samples and
complaints; the workspace is theirs alone; nobody deletes records with history."""

from django.contrib.auth.models import User
from django.urls import reverse
import pytest

from audit.ledger import seal_pending
from audit.models import AccessLog, AuditLedger
from audit.services import log_pii_access
from cases import services as case_services
from cases.models import CaseState, CollectionCase
from compliance.services import raise_finding
from contacts.services import record_attempt
from core.exceptions import NotPermitted
from policy.codes import Channel, Outcome
from tests.clients import client_for
from tests.clock import ago
from tests.factories import create_case, make_attempt


def _workspace_urls(case, agent):
    return [
        reverse("compliance:workspace"),
        reverse("compliance:dossier", args=[case.pk]),
        reverse("compliance:dossier_csv", args=[case.pk]),
        reverse("compliance:case_intensity", args=[case.pk]),
        reverse("compliance:agent_intensity", args=[agent.pk]),
        reverse("compliance:retention"),
        reverse("compliance:dossier_search") + f"?loan={case.account.loan_number}",
    ]


def test_the_workspace_is_for_reviewers_only(db, users_by_role):
    collector = users_by_role["Collector"]
    case = create_case(collector=collector)
    for role, user in users_by_role.items():
        client = client_for(user)
        codes = {url: client.get(url).status_code for url in _workspace_urls(case, collector)}
        if role == "Supervisor":
            # The intensity charts are also a supervisor's, of their own team only (this
            # supervisor leads none: tests/compliance/test_supervisor_intensity.py).
            intensity = {
                reverse("compliance:case_intensity", args=[case.pk]),
                reverse("compliance:agent_intensity", args=[collector.pk]),
            }
            assert {url: code for url, code in codes.items() if url in intensity} == dict.fromkeys(intensity, 404)
            codes = {url: code for url, code in codes.items() if url not in intensity}
        expected = {200, 302} if role == "Compliance reviewer" else {403}
        assert set(codes.values()) <= expected, (role, codes)
    # Refused visits leave no trace of the borrower's data being opened.
    assert AccessLog.objects.filter(user=collector).count() == 0
    assert (
        client_for(User.objects.create_user("stranger", is_staff=False))
        .get(reverse("compliance:workspace"))
        .status_code
        == 302
    )  # to the login


def test_reviewers_cannot_change_cases_attempts_or_history(db, reviewer, collector, supervisor):
    case = case_services.assign_case(create_case(dpd=40, collector=collector), collector, by=supervisor)
    made = make_attempt(case, ago(days=1), agent=collector)
    client = client_for(reviewer)

    case_url = reverse("admin:cases_collectioncase_change", args=[case.pk])
    assert client.get(case_url).status_code == 200  # reads it
    assert client.post(case_url, {"assigned_collector": supervisor.pk}).status_code == 403
    assert (
        client.post(reverse("admin:contacts_contactattempt_change", args=[made.pk]), {"note": "edited"}).status_code
        == 403
    )
    version = case.history.first().history_id
    assert client.get(reverse("admin:cases_collectioncase_simple_history", args=[case.pk, version])).status_code == 404
    assert client.get(reverse("admin:cases_hold_add")).status_code == 403
    with pytest.raises(NotPermitted):
        case_services.escalate(CollectionCase.objects.get(pk=case.pk), by=reviewer)
    with pytest.raises(NotPermitted):
        record_attempt(
            case,
            Channel.PHONE_CALL,
            Outcome.NO_ANSWER,
            by=reviewer,
            contact_point=case.account.borrower.contact_points.first(),
        )
    case.refresh_from_db()
    made.refresh_from_db()
    assert case.assigned_collector == collector and made.note == "" and case.state == CaseState.NEW


def first_ledger_entry():
    seal_pending()  # the rows written so far, sealed as the sealer does after commit
    return AuditLedger.objects.first()


@pytest.mark.parametrize(
    "url_name, model_of",
    [
        ("admin:cases_borrower_delete", lambda case: case.account.borrower),
        ("admin:cases_collectioncase_delete", lambda case: case),
        ("admin:cases_loanaccount_delete", lambda case: case.account),
        ("admin:contacts_contactattempt_delete", lambda case: case.contact_attempts.first()),
        ("admin:compliance_finding_delete", lambda case: case.findings.first()),
        ("admin:audit_accesslog_delete", lambda case: AccessLog.objects.first()),
        ("admin:audit_auditledger_delete", lambda case: first_ledger_entry()),
    ],
)
def test_records_with_history_cannot_be_deleted_by_anyone(db, users_by_role, reviewer, url_name, model_of):
    """Retention: deletion is refused in the admin for every role, the superuser included;
    the bulk delete action is not offered either."""
    case = create_case()
    make_attempt(case, ago(days=1))
    raise_finding(by=reviewer, severity="low", summary="kept", case=case)
    log_pii_access(reviewer, case.account.borrower, "case page")
    target = model_of(case)
    superuser = User.objects.create_superuser("root", password="pw-for-tests-1")
    changelist = reverse(url_name.replace("_delete", "_changelist"))
    for user in [*users_by_role.values(), superuser]:
        client = client_for(user)
        assert client.get(reverse(url_name, args=[target.pk])).status_code in (403, 404), user
        assert client.post(reverse(url_name, args=[target.pk]), {"post": "yes"}).status_code in (403, 404), user
        listing = client.get(changelist)
        if listing.status_code == 200:
            assert "delete_selected" not in listing.content.decode(), user
    assert type(target).objects.filter(pk=target.pk).exists()


def test_access_log_and_ledger_are_read_only_and_for_reviewers(db, users_by_role, reviewer):
    case = create_case()
    entry = log_pii_access(reviewer, case.account.borrower, "case page")
    for role, user in users_by_role.items():
        client = client_for(user)
        allowed = 200 if role == "Compliance reviewer" else 403
        assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == allowed, role
        assert client.get(reverse("admin:audit_auditledger_changelist")).status_code == allowed, role
        assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403, role
        assert (
            client.post(reverse("admin:audit_accesslog_change", args=[entry.pk]), {"where": "nowhere"}).status_code
            == 403
        ), role
    entry.refresh_from_db()
    assert entry.where == "case page"


def test_supervisors_record_complaints_but_only_reviewers_resolve_them(db, supervisor, reviewer, collector):
    case = create_case(dpd=20, collector=collector)
    form = {
        "borrower": case.account.borrower_id,
        "case": case.pk,
        "channel": "phone",
        "category": "harassment",
        "received_at_0": ago(hours=2).strftime("%Y-%m-%d"),
        "received_at_1": ago(hours=2).strftime("%H:%M:%S"),
        "description": "Called me at midnight",
        "agent": collector.pk,
        "place_hold": "on",
    }
    assert client_for(collector).get(reverse("admin:compliance_complaint_add")).status_code == 403
    response = client_for(supervisor).post(reverse("admin:compliance_complaint_add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    complaint = case.complaints.get()
    assert complaint.recorded_by == supervisor and complaint.hold.kind == "complaint_investigation"
    assert CollectionCase.objects.get(pk=case.pk).state == CaseState.ON_HOLD

    change = reverse("admin:compliance_complaint_change", args=[complaint.pk])
    assert client_for(supervisor).post(change, {"resolution": "apologised"}).status_code == 403
    assert client_for(reviewer).post(change, {"resolution": "agent retrained; apology sent"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.resolved_by == reviewer and complaint.resolved_at is not None
