"""
The visit report as the agent types it, kept on the server: every field as typed and the
files already sent, saved as the agent goes (visits/static/visits/report.js) and with
every submission, so a refused report, a dropped connection or a closed tab loses
nothing. It is folded into the visit when the report is filed, and deleted then.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.uploads import DOCUMENTS, ProtectedFileField, RandomName


class VisitReportDraft(models.Model):
    visit = models.OneToOneField(
        "visits.FieldVisit",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="report_draft",
        verbose_name=_("visit"),
    )
    # The form's fields as typed (strings, as the browser sent them): a value the form
    # would refuse is kept too, so the agent sees it and corrects it.
    values = models.JSONField(default=dict, blank=True, verbose_name=_("values"))
    agreement_file = ProtectedFileField(
        upload_to=RandomName("visit-agreements"),
        kinds=DOCUMENTS,
        limit="visit_agreement",
        download_url="visits:draft_file",
        blank=True,
        verbose_name=_("signed agreement"),
    )
    receipt_file = ProtectedFileField(
        upload_to=RandomName("visit-receipts"),
        kinds=DOCUMENTS,
        limit="visit_receipt",
        download_url="visits:draft_file",
        blank=True,
        verbose_name=_("receipt"),
    )
    saved_at = models.DateTimeField(auto_now=True, verbose_name=_("saved at"))
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saved by")
    )

    class Meta:
        verbose_name = _("visit report draft")
        verbose_name_plural = _("visit report drafts")

    def __str__(self):
        return str(_("Report draft · visit %(visit)s") % {"visit": self.visit_id})
