from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Sign-in security")

    def ready(self):
        from . import axes_labels, staff_events

        staff_events.connect()
        axes_labels.install()
