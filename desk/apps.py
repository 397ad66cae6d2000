from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The staff screens that compose the domain apps: the collector's queue and case desk,
    the supervisor's KPI dashboard, and each person's home counts. Its own tables are the
    dashboard's nightly snapshots."""

    name = "desk"
    verbose_name = _("Desk")
