"""The read-only records of the compliance workspace in the admin: the personal-data access
log and the audit ledger, never changed or deleted by anyone."""

from django.contrib import admin
from django.db.models import OuterRef, Q, Subquery
from django.urls import path
from django.utils.translation import gettext_lazy

from audit.labels import LedgerTableFilter, field_labels, table_label
from audit.models import AccessLog, AuditLedger
from audit.places import place_label
from cases.models import Borrower, CollectionCase

from .admin import RunButtonsMixin


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlaceFilter(admin.SimpleListFilter):
    title = gettext_lazy("where")
    parameter_name = "where"

    def lookups(self, request, model_admin):
        stored = AccessLog.objects.order_by().values_list("where", flat=True).distinct()
        return sorted(((where, place_label(where)) for where in stored), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(where=self.value()) if self.value() else queryset


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyRecordAdmin):
    """The log keeps borrower and case by id (the audit layer knows no app above it); the
    names are joined here, in one query for the page."""

    list_display = ["at", "user", "borrower_name", "loan_number", "place", "ip"]
    fields = list_display
    readonly_fields = fields
    list_filter = [PlaceFilter]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    search_help_text = gettext_lazy("A username, a loan number, or the start of the borrower's name.")
    date_hierarchy = "at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                borrower_full_name=Subquery(
                    Borrower.objects.filter(pk=OuterRef("borrower_id")).values("full_name")[:1]
                ),
                case_loan_number=Subquery(
                    CollectionCase.objects.filter(pk=OuterRef("case_id")).values("account__loan_number")[:1]
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(
            Q(user__username=term)
            | Q(borrower_id__in=Borrower.objects.filter(full_name__startswith=term).values("pk"))
            | Q(case_id__in=CollectionCase.objects.filter(account__loan_number=term).values("pk"))
        ), False

    @admin.display(description=gettext_lazy("borrower"))
    def borrower_name(self, obj):
        return obj.borrower_full_name

    @admin.display(description=gettext_lazy("where"), ordering="where")
    def place(self, obj):
        return place_label(obj.where)

    @admin.display(description=gettext_lazy("loan"))
    def loan_number(self, obj):
        return obj.case_loan_number or "—"


@admin.register(AuditLedger)
class AuditLedgerAdmin(RunButtonsMixin, ReadOnlyRecordAdmin):
    list_display = ["seq", "record", "row_pk", "short_hash", "created_at"]
    list_filter = [LedgerTableFilter]
    fields = [
        "seq",
        "record",
        "row_pk",
        "hashed_fields",
        "content_hash",
        "previous_hash",
        "entry_hash",
        "key_id",
        "created_at",
    ]
    readonly_fields = fields
    search_fields = ["=row_pk", "=entry_hash"]
    change_list_template = "compliance/admin/auditledger_change_list.html"

    def get_urls(self):
        return [
            path("verify/", self.admin_site.admin_view(self.verify_chain), name="audit_auditledger_verify"),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("record"))
    def record(self, obj):
        return table_label(obj.table_name)

    @admin.display(description=gettext_lazy("fields sealed"))
    def hashed_fields(self, obj):
        return field_labels(obj.table_name, obj.fields)

    @admin.display(description=gettext_lazy("entry hash"))
    def short_hash(self, obj):
        return f"{obj.entry_hash[:16]}…"
