from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from . import checks, signals  # noqa: F401  (checks registers itself; signals seal history rows)

        signals.connect_appended_models()
