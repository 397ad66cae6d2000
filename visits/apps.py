from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cases import signals


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Field visits")

    def ready(self):
        from . import receivers

        signals.case_closed.connect(
            receivers.cancel_visits_of_closed_cases, dispatch_uid="visits.cancel_visits_of_closed_cases"
        )
        signals.case_put_on_hold.connect(
            receivers.cancel_visits_of_held_case, dispatch_uid="visits.cancel_visits_of_held_case"
        )
