"""
A database written before the ground floor existed (JobRun in cases, PolicyProfile in
contacts, the ledger and the access log in compliance) upgrades in place: the migrations
move the models without touching their tables, the rows are all there afterwards, the
groups keep their permissions, and the audit chain still verifies — on SQLite and on
PostgreSQL alike (the suite runs on both in CI).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
import pytest

from audit.ledger import seal_unsealed, verify_chain

# The newest migration of each app on the main branch before the ground floor landed.
BEFORE_GROUND_FLOOR = [
    ("cases", "0010_i18n_labels"),
    ("contacts", "0011_i18n_labels"),
    ("visits", "0003_i18n_labels"),
    ("compliance", "0005_i18n_labels"),
    ("accounts", "0001_roles_for_sign_in_security"),
    # Profiles lived in the contacts app then: none of the policy app's columns existed.
    ("policy", None),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    # An app migrated to zero has no node to build the state from: it is simply absent.
    return executor.loader.project_state([target for target in targets if target[1] is not None]).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _with_history(apps, app_label, row):
    """The history row the application writes with every saved row (historical models
    send no signals): evidence rows must agree with their latest history."""
    historical = apps.get_model(app_label, f"Historical{type(row).__name__}")
    historical.objects.create(
        **{f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields},
        history_date=timezone.now(),
        history_type="+",
    )
    return row


def _seed_old_book(apps):
    """A small book written with the models as they stood before the move, sealed the way
    the old compliance app sealed it."""
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    supervisor = User.objects.create(username="old-supervisor")
    supervisor.groups.add(Group.objects.get(name="Supervisor"))
    Borrower = apps.get_model("cases", "Borrower")
    borrower = Borrower.objects.create(full_name="Old Borrower", national_id="110101199001011234")
    account = apps.get_model("cases", "LoanAccount").objects.create(
        borrower=borrower,
        loan_number="OLD-1",
        product="cash loan",
        principal=Decimal("5000.00"),
        outstanding_principal=Decimal("5000.00"),
        oldest_unpaid_due_date=date.today() - timedelta(days=10),
    )
    case = _with_history(
        apps, "cases", apps.get_model("cases", "CollectionCase").objects.create(account=account, state="reminder")
    )
    apps.get_model("cases", "CaseEvent").objects.create(case=case, kind="opened", reason="10 days past due")
    apps.get_model("cases", "JobRun").objects.create(
        job="refresh_delinquency", status="succeeded", counts={"opened": 1}, finished_at=timezone.now()
    )
    apps.get_model("compliance", "AccessLog").objects.create(
        user=supervisor, borrower=borrower, case=case, where="case page"
    )
    profile = apps.get_model("contacts", "PolicyProfile").objects.filter(code="CN").order_by("-version").first()
    apps.get_model("contacts", "HistoricalPolicyProfile").objects.create(
        **{f.attname: getattr(profile, f.attname) for f in profile._meta.concrete_fields},
        history_date=timezone.now(),
        history_type="~",
        history_change_reason="old edit",
    )
    visit_ids = _seed_old_visit_notices(apps, case, supervisor)
    from simple_history.models import HistoricalChanges  # noqa: PLC0415  (historical models only)

    chained = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
    chained += [apps.get_model("cases", "CaseEvent"), apps.get_model("compliance", "AccessLog")]
    seal_unsealed(
        chained,
        ledger=apps.get_model("compliance", "AuditLedger"),
        head=apps.get_model("compliance", "AuditLedgerHead"),
    )
    return {"borrower": borrower.pk, "case": case.pk, "profile": profile.pk, **visit_ids}


def _seed_old_visit_notices(apps, case, supervisor):
    """A visit announced and called off, its messages naming it only by their key's suffix."""
    point = apps.get_model("cases", "ContactPoint").objects.create(
        borrower_id=case.account.borrower_id, kind="phone", value="+8613800000001", is_primary=True
    )
    template = apps.get_model("contacts", "MessageTemplate").objects.create(
        code="sms-visit-notice", channel="sms", language="zh-hans", body="{borrower_name}"
    )
    now = timezone.now()
    visit = apps.get_model("visits", "FieldVisit").objects.create(
        case=case,
        state="cancelled",
        requested_by=supervisor,
        reason="old",
        window_start=now,
        window_end=now,
        address="old address",
        notice_channels="sms",
    )
    _with_history(apps, "visits", visit)
    Message = apps.get_model("contacts", "OutboundMessage")
    keys = {
        "announcement": f"case{case.pk}-tpl{template.pk}-20260101T0900-visit{visit.pk}",
        "cancellation": f"case{case.pk}-tpl{template.pk}-20260102T0900-visit{visit.pk}-cancelled",
    }
    messages = {
        kind: Message.objects.create(
            case=case,
            channel="sms",
            purpose="visit_notice",
            template=template,
            contact_point=point,
            slot=now + timedelta(minutes=n),
            scheduled_for=now,
            idempotency_key=key,
        ).pk
        for n, (kind, key) in enumerate(keys.items())
    }
    Message.objects.create(
        case=case,
        channel="sms",
        purpose="reminder",
        template=template,
        contact_point=point,
        slot=now + timedelta(days=1),
        scheduled_for=now,
        idempotency_key="case-reminder-visit9",
    )
    return {"visit": visit.pk, "notice_messages": messages}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_from_before_the_ground_floor_upgrades_in_place_with_its_chain_intact():
    latest = _latest()
    try:
        old_apps = _migrate(BEFORE_GROUND_FLOOR)
        seeded = _seed_old_book(old_apps)
        ledger_before = old_apps.get_model("compliance", "AuditLedger").objects.count()
        head_before = old_apps.get_model("compliance", "AuditLedgerHead").objects.get().last_hash
        assert ledger_before > 0

        _migrate(latest)

        from django.contrib.auth.models import Group

        from audit.models import AccessLog, AuditLedger, AuditLedgerHead
        from core.models import JobRun
        from policy.models import PolicyProfile

        report = verify_chain()
        assert report.ok, report.summary()
        assert AuditLedger.objects.count() == ledger_before
        assert AuditLedgerHead.objects.get().last_hash == head_before
        # The rows are where they were, now read through the new apps.
        logged = AccessLog.objects.get(where="case page")
        assert (logged.borrower_id, logged.case_id) == (seeded["borrower"], seeded["case"])
        assert JobRun.objects.get(job="refresh_delinquency").counts == {"opened": 1}
        assert PolicyProfile.objects.filter(pk=seeded["profile"]).exists()
        assert PolicyProfile.history.filter(history_change_reason="old edit").exists()
        # Visit notices now name their visit by a foreign key, read off the old keys.
        from visits.models import VisitNotice

        assert {(n.visit_id, n.kind, n.message_id) for n in VisitNotice.objects.all()} == {
            (seeded["visit"], kind, message) for kind, message in seeded["notice_messages"].items()
        }
        # Groups kept (or were given) the permissions under the new app labels.
        supervisor = Group.objects.get(name="Supervisor")
        held = {f"{p.content_type.app_label}.{p.codename}" for p in supervisor.permissions.all()}
        assert {"core.run_nightly_cycle", "policy.view_policyprofile"} <= held
        assert not any(label.startswith(("contacts.view_policyprofile", "cases.run_nightly")) for label in held)
    finally:
        _migrate(latest)
