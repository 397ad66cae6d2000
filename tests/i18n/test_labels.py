"""What people read instead of internal names, in their language: job names, the ledger's
tables and columns, roles, case states, policy profiles, changed fields, and the
borrower's verification page."""

import re

from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
import pytest

from audit.ledger import seal_pending
from cases import services as case_services
from core.jobs import run_job
from preferences.models import StaffProfile
from tests.clients import sign_in
from tests.factories import create_case, make_user


def _text(response) -> str:
    """What the reader sees: the page without its tags (codes in links' query strings are fine)."""
    return re.sub(r"<[^>]+>", " ", response.content.decode())


def _reader(role: str, language: str):
    user = make_user(role)
    StaffProfile.objects.create(user=user, language=language)
    return sign_in(Client(), user), user


@pytest.mark.parametrize(
    "language, shown, hidden",
    [("zh-hans", "夜间批处理", "nightly_cycle"), ("en", "Nightly cycle", "nightly_cycle")],
)
def test_job_runs_are_named_not_coded(db, language, shown, hidden):
    run_job("nightly_cycle", trigger="test")
    client, _user = _reader("Supervisor", language)
    page = _text(client.get(reverse("admin:core_jobrun_changelist")))
    assert shown in page and hidden not in page


def test_the_ledger_names_records_and_fields(db):
    case = create_case(dpd=10)
    seal_pending()
    client, _user = _reader("Compliance reviewer", "zh-hans")
    listing = _text(client.get(reverse("admin:audit_auditledger_changelist")))
    assert "借款人（历史版本）" in listing and "cases_historicalborrower" not in listing
    from audit.models import AuditLedger

    version = case.history.order_by("history_id").first()
    entry = AuditLedger.objects.get(table_name="cases_historicalcollectioncase", row_pk=version.history_id)
    page = _text(client.get(reverse("admin:audit_auditledger_change", args=[entry.seq])))
    assert "history_change_reason" not in page and "assigned_collector_id" not in page
    # The sealed record and its columns by their labels.
    assert "催收案件（历史版本）" in page and "负责催收员" in page


def test_roles_case_states_and_profiles_in_chinese(db, supervisor, collector):
    case = create_case(dpd=10, collector=collector)
    case_services.escalate(case, by=supervisor, reason="test")
    client, _user = _reader("Administrator", "zh-hans")
    roles = _text(client.get(reverse("admin:auth_group_changelist")))
    assert "合规审核员" in roles and "Compliance reviewer" not in roles
    collector_role = Group.objects.get(name="Collector")
    role_page = _text(client.get(reverse("admin:auth_group_change", args=[collector_role.pk])))
    assert "贷款账户 · 可查看" in role_page and "Can view loan account" not in role_page
    profiles = _text(client.get(reverse("admin:policy_policyprofile_changelist")))
    assert "美国马萨诸塞州" in profiles and "US Massachusetts" not in profiles
    supervisor_client, _user = _reader("Supervisor", "zh-hans")
    events = _text(supervisor_client.get(reverse("admin:cases_caseevent_changelist")))
    assert "提醒" in events and " reminder " not in events


def test_history_names_the_changed_fields(db, supervisor, collector, other_collector):
    case = create_case(dpd=10, collector=collector)
    case_services.assign_case(case, other_collector, by=supervisor)
    client, _user = _reader("Supervisor", "en")
    page = _text(client.get(reverse("admin:cases_collectioncase_history", args=[case.pk])))
    assert "Assigned collector:" in page and "assigned_collector:" not in page


def test_the_verify_page_speaks_the_borrowers_language(db):
    chinese = Client().get(reverse("verify"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "核实来访人员" in chinese and "Verify your visitor" not in chinese
    english = Client().get(reverse("verify"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verify your visitor" in english and "核实来访人员" not in english
    assert "简体中文" in english  # the way to switch back


def test_lockout_records_name_themselves_in_the_readers_language(db):
    from axes.models import AccessAttempt
    from django.utils import timezone, translation

    attempt = AccessAttempt.objects.create(
        username="collector9", ip_address="10.0.0.9", attempt_time=timezone.now(), failures_since_start=3
    )
    with translation.override("zh-hans"):
        chinese = str(attempt)
    with translation.override("en"):
        english = str(attempt)
    assert "登录失败" in chinese and "collector9" in chinese and "+00:00" not in chinese
    assert english.startswith("Failed sign-ins by collector9") and "Attempted Access" not in english
