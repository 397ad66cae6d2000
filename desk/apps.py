from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cases import signals as case_signals
from compliance import signals as compliance_signals
from visits import signals as visit_signals


class DeskConfig(AppConfig):
    """The staff screens that compose the domain apps: the collector's queue and case desk,
    the supervisor's KPI dashboard, each person's home counts and notifications. Its own
    tables: the notifications (with each person's digest choice) and the dashboard's
    nightly snapshots."""

    name = "desk"
    verbose_name = _("Desk")

    def ready(self):
        from . import receivers

        # News from the apps below, turned into notifications in the sender's transaction.
        for signal, receiver in (
            (visit_signals.visit_requested, receivers.visit_requested),
            (visit_signals.visit_decided, receivers.visit_decided),
            (visit_signals.visit_checked_in_far, receivers.visit_checked_in_far),
            (case_signals.arrangements_broken, receivers.arrangements_broken),
            (case_signals.import_finished, receivers.import_finished),
            (compliance_signals.findings_opened, receivers.findings_opened),
        ):
            signal.connect(receiver, dispatch_uid=f"desk.{receiver.__name__}")
