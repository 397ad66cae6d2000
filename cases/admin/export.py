"""
The case list as a CSV or Excel download, exactly as the list shows it: its filters, its
search and its order (the admin's own changelist builds the queryset), within the rows
the user may see (``selectors.visible_cases``: a collector exports only their own cases).

``admin:cases_collectioncase_export`` takes ``?format=csv|xlsx`` and the changelist's
query string; the case list's object tools link to it keeping that string
(templates/admin/cases/collectioncase/change_list.html).

Phone and national ID follow the same rule as the case page (``.access``): in full for
roles with the "view full" permission, masked otherwise. Lists mask for every role
because they would show many people without a row on the access log; an export that
shows a value in full writes that row, one per case, a chunk at a time, before the chunk
leaves the server. The rows are read set-based (``iterator``, a phone subquery, no query
per row), so 100,000 cases stream in bounded memory.
"""

from __future__ import annotations

from itertools import islice

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseBadRequest
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import log_pii_access_many
from core.exports import FORMATS, UnknownExportFormat, export_response
from core.masking import mask_national_id, mask_phone

from ..buckets import bucket_for
from ..event_text import state_label
from ..models import ContactPoint
from .access import can_see_full_contact_details, can_see_full_national_id

FORMAT_PARAMETER = "format"
CHUNK = 2000
ACCESS_LOG_PLACE = "case list export"

HEADER = [
    _("case ID"),
    _("loan number"),
    _("borrower"),
    _("phone"),
    _("national ID"),
    _("product"),
    _("currency"),
    _("outstanding"),
    _("days past due"),
    _("DPD bucket"),
    _("state"),
    _("ladder rung"),
    _("assigned collector"),
    _("opened on"),
    _("state changed at"),
]

FIELDS = [
    "id",
    "state",
    "ladder_rung",
    "opened_at",
    "state_changed_at",
    "account__loan_number",
    "account__product",
    "account__currency",
    "account__outstanding_principal",
    "account__outstanding_interest",
    "account__outstanding_fees",
    "account__days_past_due",
    "account__borrower__full_name",
    "account__borrower__national_id",
    "assigned_collector__username",
    "assigned_collector__first_name",
    "assigned_collector__last_name",
]


def borrower_phone():
    """The borrower's own phone number: the primary one, else a valid one, else any."""
    return Subquery(
        ContactPoint.objects.filter(
            borrower=OuterRef("account__borrower"),
            kind=ContactPoint.Kind.PHONE,
            owner=ContactPoint.Owner.BORROWER,
        )
        .order_by("-is_primary", "is_invalid", "pk")
        .values("value")[:1]
    )


def export_queryset(queryset):
    return (
        queryset.select_related("account__borrower", "assigned_collector")
        .only(*FIELDS)
        .annotate(export_phone=borrower_phone())
    )


def case_row(case, *, full_phone: bool, full_id: bool, zone) -> list:
    account = case.account
    borrower = account.borrower
    collector = case.assigned_collector
    phone = case.export_phone or ""
    return [
        case.pk,
        account.loan_number,
        borrower.full_name,
        phone if full_phone else mask_phone(phone) if phone else "",
        borrower.national_id if full_id else mask_national_id(borrower.national_id),
        account.product,
        account.currency,
        account.outstanding_total,
        account.days_past_due,
        str(bucket_for(account.days_past_due).label),
        state_label(case.state),
        state_label(case.ladder_rung),
        (collector.get_full_name() or collector.get_username()) if collector else "",
        timezone.localdate(case.opened_at, zone),
        case.state_changed_at,
    ]


def case_rows(queryset, request):
    """The rows of ``queryset`` for ``request.user``, read lazily (a CSV is written after
    the view returns: who sees what, and in which zone, is decided now)."""
    user = request.user
    full_phone, full_id = can_see_full_contact_details(user), can_see_full_national_id(user)
    zone = timezone.get_current_timezone()

    def rows():
        cases = export_queryset(queryset).iterator(chunk_size=CHUNK)
        while chunk := list(islice(cases, CHUNK)):
            if full_phone or full_id:  # on the access log before it leaves the server
                seen = [(case.account.borrower_id, case.pk) for case in chunk]
                log_pii_access_many(user, seen, ACCESS_LOG_PLACE, request)
            for case in chunk:
                yield case_row(case, full_phone=full_phone, full_id=full_id, zone=zone)

    return rows()


class CaseExportMixin:
    """The export URL and view of the case admin."""

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        # The changelist reads every other parameter as a filter: take ours out first.
        request.GET = request.GET.copy()
        fmt = request.GET.pop(FORMAT_PARAMETER, ["csv"])[-1]
        if fmt not in FORMATS:
            return HttpResponseBadRequest(str(UnknownExportFormat(fmt)), content_type="text/plain; charset=utf-8")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(
                gettext("The case list cannot be filtered that way; open the list again and export from there."),
                content_type="text/plain; charset=utf-8",
            )
        # The changelist's own queryset (its get_queryset, already run once: running it
        # again would log an identifier search twice): filters, search and order, within
        # the user's book.
        queryset = changelist.queryset
        filename = gettext("cases-%(day)s") % {"day": timezone.localdate().isoformat()}
        header = [str(label) for label in HEADER]
        return export_response(fmt, filename, header, case_rows(queryset, request))
