from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance review"

    def ready(self):
        from . import signals  # noqa: F401  (seals history rows in the audit ledger)
