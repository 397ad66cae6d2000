"""
The consent ledger in the admin (registered from contacts/admin.py): consents and their
withdrawals are recorded through the add form, which calls the services
(contacts/consent.py) — a withdrawal stops the queued messages it covers — and are never
edited; inbound messages are evidence, read-only for everyone. Contact details are shown
masked: the full value is on the contact point's own page, which logs the access.
"""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.admin import CaseServiceAdminMixin
from cases.selectors import visible_borrowers
from core.adminkit import HistoryAdmin, ServiceForm
from core.masking import mask_email, mask_phone

from . import consent
from .models import Consent, ConsentRevocation, InboundMessage


class _BorrowersOwnBook:
    """Lists and pages show only the borrowers the user may see."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(borrower__in=visible_borrowers(request.user))

    def has_change_permission(self, request, obj=None):
        return False  # a later grant or withdrawal supersedes; the ledger is never edited

    @admin.display(description=gettext_lazy("contact point"))
    def point(self, obj):
        return obj.contact_point.masked_value if obj.contact_point_id else "—"


class _WhenDefaultsToNow(ServiceForm):
    when_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.when_field in self.fields:  # said just now unless told otherwise
            self.fields[self.when_field].required = False
            self.fields[self.when_field].help_text = _("Empty: now.")


class ConsentForm(_WhenDefaultsToNow):
    when_field = "granted_at"

    class Meta:
        model = Consent
        fields = ["borrower", "channel", "contact_point", "purpose", "granted_via", "evidence", "granted_at"]

    def call_service(self, data):
        return consent.grant_consent(
            data["borrower"],
            data["channel"],
            granted_via=data["granted_via"],
            evidence=data["evidence"],
            by=self.request_user,
            at=data.get("granted_at"),
            contact_point=data.get("contact_point"),
            purpose=data["purpose"],
        )


@admin.register(Consent)
class ConsentAdmin(_BorrowersOwnBook, CaseServiceAdminMixin, HistoryAdmin):
    form = ConsentForm
    list_display = ["borrower", "channel", "point", "granted_via", "granted_at", "recorded_by"]
    list_filter = ["channel", "granted_via"]
    list_select_related = ["borrower", "contact_point", "recorded_by"]
    search_fields = ["borrower__full_name"]
    autocomplete_fields = ["borrower", "contact_point"]
    date_hierarchy = "granted_at"


class RevocationForm(_WhenDefaultsToNow):
    when_field = "revoked_at"

    class Meta:
        model = ConsentRevocation
        fields = ["borrower", "scope", "channel", "contact_point", "via", "evidence", "revoked_at"]

    def call_service(self, data):
        return consent.revoke_consent(
            data["borrower"],
            data["scope"],
            channel=data.get("channel") or None,
            contact_point=data.get("contact_point"),
            via=data["via"],
            by=self.request_user,
            at=data.get("revoked_at"),
            evidence=data.get("evidence", ""),
        )


@admin.register(ConsentRevocation)
class ConsentRevocationAdmin(_BorrowersOwnBook, CaseServiceAdminMixin, HistoryAdmin):
    form = RevocationForm
    list_display = ["borrower", "scope", "channel", "point", "via", "revoked_at", "recorded_by"]
    list_filter = ["scope", "channel", "via"]
    list_select_related = ["borrower", "contact_point", "recorded_by"]
    search_fields = ["borrower__full_name"]
    autocomplete_fields = ["borrower", "contact_point"]
    date_hierarchy = "revoked_at"
    readonly_fields = ["inbound_message"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        cancelled = len(getattr(form.result, "cancelled", []))
        if cancelled:
            self.message_user(
                request,
                _("%(count)s queued message(s) covered by the withdrawal will not be sent.") % {"count": cancelled},
            )


@admin.register(InboundMessage)
class InboundMessageAdmin(_BorrowersOwnBook, admin.ModelAdmin):
    """What borrowers sent us, as received: evidence, never edited."""

    list_display = ["received_at", "borrower", "channel", "sender_masked", "keyword", "revoked"]
    list_filter = ["channel", ("keyword", admin.EmptyFieldListFilter)]
    list_select_related = ["borrower", "revocation"]
    search_fields = ["borrower__full_name", "=provider_message_id"]
    date_hierarchy = "received_at"
    fields = [
        "received_at",
        "channel",
        "sender_masked",
        "borrower",
        "point",
        "body",
        "keyword",
        "provider_message_id",
        "revocation_link",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("sender"))
    def sender_masked(self, obj):
        return mask_email(obj.sender) if obj.channel == "email" else mask_phone(obj.sender)

    @admin.display(boolean=True, description=gettext_lazy("withdrew consent"))
    def revoked(self, obj):
        return hasattr(obj, "revocation")

    @admin.display(description=gettext_lazy("withdrawal"))
    def revocation_link(self, obj):
        return str(obj.revocation) if hasattr(obj, "revocation") else "—"

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:  # not in this user's book: "not found", as for every record with history
            raise Http404(_("No such record, or not yours to see."))
        return obj

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
