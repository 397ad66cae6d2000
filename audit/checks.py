"""System checks for the audit trail (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def ledger_sealing_check(app_configs, **kwargs):
    """AUDIT_LEDGER_SEALING off exists only to measure what sealing costs (bench/load):
    rows written meanwhile are never chained, and the verifier cannot vouch for them."""
    if settings.AUDIT_LEDGER_SEALING:
        return []
    return [
        Error(
            "AUDIT_LEDGER_SEALING is off: audited rows written now are never sealed in the ledger.",
            hint="Unset AUDIT_LEDGER_SEALING (it defaults to on); switch it off only for a load test.",
            id="audit.E001",
        )
    ]
