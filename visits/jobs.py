from django.utils.translation import gettext_lazy as _

from core.job_names import label_counts
from core.jobs import scheduled_job

from . import services

label_counts(queued=_("notices queued"), notified=_("visits notified"), not_possible=_("notice not possible"))


@scheduled_job("send_visit_notices", label=_("Send visit notices"))
def send_visit_notices() -> dict[str, int]:
    """Every 15 minutes: announce approved visits; mark them notified once a notice left."""
    return services.sync_notices()
