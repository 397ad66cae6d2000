from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cases import signals


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self):
        from . import checks, receivers  # noqa: F401  (checks registers itself)

        signals.case_closed.connect(
            receivers.suppress_messages_of_closed_cases, dispatch_uid="contacts.suppress_messages_of_closed_cases"
        )
        signals.case_closed.connect(
            receivers.cancel_callbacks_of_closed_cases, dispatch_uid="contacts.cancel_callbacks_of_closed_cases"
        )
        signals.consent_imported.connect(
            receivers.record_imported_consents, dispatch_uid="contacts.record_imported_consents"
        )
        signals.arrangement_broken.connect(
            receivers.follow_up_broken_arrangement, dispatch_uid="contacts.follow_up_broken_arrangement"
        )
        signals.forbearance_assessed.connect(
            receivers.refer_to_debt_advice, dispatch_uid="contacts.refer_to_debt_advice"
        )
