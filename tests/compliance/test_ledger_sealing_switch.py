"""
AUDIT_LEDGER_SEALING: on (the default), a write queues its audited rows and seals them
after commit; off (the load test's comparison only), nothing is queued or sealed, and
``check --deploy`` says production must not run so.
"""

from django.core.checks import run_checks

from audit import ledger as audit
from audit.models import AuditLedger, AuditQueue
from cases import services as case_services
from tests.factories import create_case


def _assign(case, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.assign_case(case, None, by=supervisor)  # a history row and an event


def test_sealing_on_queues_and_seals_after_commit(db, supervisor, django_capture_on_commit_callbacks):
    case = create_case()
    audit.seal_pending()
    before = AuditLedger.objects.count()
    _assign(case, supervisor, django_capture_on_commit_callbacks)
    assert AuditLedger.objects.count() > before
    assert AuditQueue.objects.count() == 0
    assert audit.verify_chain().ok


def test_sealing_off_queues_and_seals_nothing(db, supervisor, settings, django_capture_on_commit_callbacks):
    case = create_case()
    audit.seal_pending()
    before = AuditLedger.objects.count()
    settings.AUDIT_LEDGER_SEALING = False
    _assign(case, supervisor, django_capture_on_commit_callbacks)
    assert AuditQueue.objects.count() == 0
    assert AuditLedger.objects.count() == before
    # Rows queued before the switch wait: the sealer does nothing while it is off.
    audit.ledger_append(case.history.latest("history_id"))
    settings.AUDIT_LEDGER_SEALING = True
    audit.ledger_append(case.history.latest("history_id"))
    settings.AUDIT_LEDGER_SEALING = False
    assert audit.seal_pending() == 0
    assert AuditQueue.objects.count() == 1


def test_deploy_check_refuses_sealing_off(settings):
    assert "audit.E001" not in {message.id for message in run_checks(include_deployment_checks=True)}
    settings.AUDIT_LEDGER_SEALING = False
    assert "audit.E001" in {message.id for message in run_checks(include_deployment_checks=True)}
    # Not a deploy-time setting mistake only: ordinary checks (runserver, migrate) stay quiet.
    assert "audit.E001" not in {message.id for message in run_checks()}
