from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor: what every app uses and nothing of ours above it."""

    name = "core"
    verbose_name = _("Operations")

    def ready(self):
        # Each app declares its scheduled jobs in jobs.py and its role permissions in
        # roles.py, and how its history reasons read in history_reasons.py, found the way
        # the admin finds admin.py.
        autodiscover_modules("jobs", "roles", "history_reasons")
        # Admin lists filter only by their own sidebar filters, never by free URL lookups.
        from . import admin_icons, admin_lookups  # noqa: PLC0415  (need the admin app loaded)

        admin_lookups.install()
        admin_icons.install()
