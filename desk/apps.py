from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The staff screens that compose the domain apps: the collector's queue and case desk,
    and each person's home counts. It owns no tables."""

    name = "desk"
    verbose_name = _("Desk")
