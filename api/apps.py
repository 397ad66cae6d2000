from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cases import signals as case_signals
from visits import signals as visit_signals


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("Integration API")

    def ready(self):
        from . import webhooks

        # What the lender's systems are told at once (outgoing webhooks), queued in the sender's transaction.
        for signal, receiver in (
            (case_signals.case_closed, webhooks.case_closed),
            (case_signals.case_put_on_hold, webhooks.hold_placed),
            (case_signals.hold_released, webhooks.hold_released),
            (case_signals.arrangements_broken, webhooks.arrangements_broken),
            (visit_signals.visit_decided, webhooks.visit_decided),
        ):
            signal.connect(receiver, dispatch_uid=f"api.webhooks.{receiver.__name__}")
