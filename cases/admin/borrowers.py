"""
Admin for borrowers and their contact points.

Personal data is masked unless the user may see it in full (``.access``); opening a
borrower's or a contact point's page with that right is logged (compliance access log).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.services import log_pii_access
from core.adminkit import HistoryAdmin, ReadOnlyInline, remember_viewer, viewer

from .. import selectors
from ..models import Borrower, ContactPoint
from .access import can_see_full_contact_details, can_see_full_national_id, log_identifier_search


class ContactPointInline(ReadOnlyInline):
    model = ContactPoint
    fields = [
        "kind",
        "shown_value",
        "label",
        "owner",
        "time_zone",
        "is_primary",
        "is_verified",
        "is_invalid",
        "opted_out",
    ]
    readonly_fields = fields

    @admin.display(description=_("value"))
    def shown_value(self, obj):
        return obj.value if can_see_full_contact_details(viewer()) else obj.masked_value

    def get_queryset(self, request):
        remember_viewer(request)
        return super().get_queryset(request)


# Lists show personal data masked for every role, including those allowed to see it in
# full: a list would show many people's data at once without an access-log row per
# person. The full value is on the single borrower's or contact point's page, which is
# logged (audit.services.log_pii_access). Exact-match search still finds by the
# full value.


@admin.register(Borrower)
class BorrowerAdmin(HistoryAdmin):
    list_display = [
        "full_name",
        "masked_national_id",
        "home_time_zone",
        "language",
        "policy_profile_code",
        "vulnerable",
    ]
    list_filter = ["policy_profile_code", "language", "vulnerable"]
    # National IDs are searched by exact match only (no partial probing of PII).
    search_fields = ["full_name", "=national_id"]
    inlines = [ContactPointInline]

    def get_queryset(self, request):
        remember_viewer(request)
        return selectors.visible_borrowers(request.user)

    def get_search_results(self, request, queryset, search_term):
        log_identifier_search(request, search_term, selectors.visible_borrowers(request.user))
        return super().get_search_results(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        borrower = self.get_object(request, object_id)
        if can_see_full_national_id(request.user) or can_see_full_contact_details(request.user):
            log_pii_access(request.user, borrower, "borrower page", request)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("national ID"))
    def masked_national_id(self, obj):
        return obj.national_id_masked

    @admin.display(description=_("national ID"))
    def shown_national_id(self, obj):
        return obj.national_id if can_see_full_national_id(viewer()) else obj.national_id_masked

    def get_fields(self, request, obj=None):
        fields = [
            field
            for field in super().get_fields(request, obj)
            if field not in ("shown_national_id", "masked_national_id")
        ]
        if not can_see_full_national_id(request.user) and obj is not None:
            fields = ["shown_national_id" if field == "national_id" else field for field in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not can_see_full_national_id(request.user):
            readonly.append("shown_national_id")
        return readonly


@admin.register(ContactPoint)
class ContactPointAdmin(HistoryAdmin):
    list_display = ["borrower", "kind", "masked_value", "owner", "is_primary", "is_invalid", "opted_out"]
    list_filter = ["kind", "owner", "is_invalid", "opted_out"]
    list_select_related = ["borrower"]
    search_fields = ["=value", "borrower__full_name"]
    autocomplete_fields = ["borrower"]

    def get_queryset(self, request):
        remember_viewer(request)
        return selectors.visible_contact_points(request.user)

    def get_search_results(self, request, queryset, search_term):
        log_identifier_search(request, search_term, selectors.visible_borrowers(request.user))
        return super().get_search_results(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        point = self.get_object(request, object_id)
        if can_see_full_contact_details(request.user):
            log_pii_access(request.user, point.borrower, "contact point page", request)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("value"))
    def masked_value(self, obj):
        return obj.masked_value

    @admin.display(description=_("value"))
    def shown_value(self, obj):
        return obj.value if can_see_full_contact_details(viewer()) else obj.masked_value

    def get_fields(self, request, obj=None):
        fields = [field for field in super().get_fields(request, obj) if field not in ("shown_value", "masked_value")]
        if obj is not None and not can_see_full_contact_details(request.user):
            fields = ["shown_value" if field == "value" else field for field in fields]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not can_see_full_contact_details(request.user):
            readonly.append("shown_value")
        return readonly
