from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.admin import CaseServiceAdminMixin
from cases.selectors import visible_borrowers, visible_cases
from core.adminkit import HistoryAdmin, ServiceForm
from core.exceptions import ServiceError

from . import consent_admin as consent_admin  # registers the consent ledger's pages
from . import services
from .models import ChannelOptOut, ContactAttempt, MessageTemplate, OutboundMessage
from .refusals import joined, reason_labels


@admin.register(ContactAttempt)
class ContactAttemptAdmin(HistoryAdmin):
    """Every attempt, allowed, blocked or overridden. Written only by record_attempt."""

    list_display = [
        "started_at",
        "case",
        "channel",
        "agent",
        "outcome",
        "allowed",
        "reason_codes",
        "was_overridden",
        "profile",
    ]
    list_filter = ["allowed", "channel", "placed_by", "outcome", "direction", "profile"]
    list_select_related = ["case__account", "agent", "profile", "overridden_by"]
    search_fields = ["=case__account__loan_number"]
    date_hierarchy = "started_at"
    # The refusal is shown in words, not as the JSON it is stored as: reasons by their
    # labels, the sentences worded for the reader, and the sentences the person who met
    # the refusal was shown, as they were shown.
    fields = [
        *(
            field.name
            for field in ContactAttempt._meta.fields
            if field.name not in ("reasons", "refusal_params", "explanations")
        ),
        "reason_codes",
        "refusal_text",
        "explanations_as_shown",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=visible_cases(request.user))

    @admin.display(description=gettext_lazy("reasons"))
    def reason_codes(self, obj):
        return joined(reason_labels(obj.reasons)) or "—"

    @admin.display(description=gettext_lazy("why it was refused"))
    def refusal_text(self, obj):
        return " ".join(obj.refusal_explanations) or "—"

    @admin.display(description=gettext_lazy("as shown at the time"))
    def explanations_as_shown(self, obj):
        return " ".join(obj.explanations) or "—"

    @admin.display(boolean=True, description=gettext_lazy("overridden"))
    def was_overridden(self, obj):
        return obj.was_overridden

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "channel", "language", "subject", "body", "is_required_notice"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(HistoryAdmin):
    """Saving (a new template or an edit) writes a new unapproved version."""

    form = MessageTemplateForm
    list_display = ["code", "version", "channel", "language", "is_approved", "approved_by", "created_by"]
    list_filter = ["channel", "language", ("approved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["approved_by", "created_by"]
    search_fields = ["code", "body"]
    actions = ["approve_selected"]

    @admin.display(boolean=True, description=gettext_lazy("approved"))
    def is_approved(self, obj):
        return obj.is_approved

    def save_model(self, request, obj, form, change):
        try:
            saved = services.save_template_version(
                code=obj.code,
                channel=obj.channel,
                language=obj.language,
                subject=obj.subject,
                body=obj.body,
                is_required_notice=obj.is_required_notice,
                by=request.user,
            )
        except ServiceError as refusal:  # validated by the form already; say so if not
            self.message_user(request, str(refusal), level=messages.ERROR)
            raise
        obj.pk = saved.pk
        obj.refresh_from_db()
        if change:
            self.message_user(
                request, _("Saved as %(saved)s: a new version awaiting compliance approval.") % {"saved": saved}
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("contacts.approve_messagetemplate"):
            actions.pop("approve_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Approve selected versions"))
    def approve_selected(self, request, queryset):
        for template in queryset:
            try:
                services.approve_template(template, by=request.user)
            except ServiceError as refusal:
                self.message_user(request, f"{template}: {refusal}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(code)s v%(version)s: approved.") % {"code": template.code, "version": template.version},
                    level=messages.SUCCESS,
                )


class OptOutForm(ServiceForm):
    class Meta:
        model = ChannelOptOut
        fields = ["borrower", "channel", "contact_point", "note"]

    def call_service(self, data):
        from .engine import ContactRequestError

        try:
            return services.record_opt_out(
                data["borrower"],
                data["channel"],
                by=self.request_user,
                contact_point=data.get("contact_point"),
                note=data.get("note", ""),
            )
        except ContactRequestError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(ChannelOptOut)
class ChannelOptOutAdmin(CaseServiceAdminMixin, HistoryAdmin):
    form = OptOutForm
    list_display = ["borrower", "channel", "contact_point", "requested_at", "recorded_by"]
    list_filter = ["channel"]
    list_select_related = ["borrower", "contact_point", "recorded_by"]
    search_fields = ["borrower__full_name"]
    autocomplete_fields = ["borrower", "contact_point"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(borrower__in=visible_borrowers(request.user))

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(HistoryAdmin):
    """The outbox, read-only: rows are written by planning and by the dispatcher."""

    list_display = [
        "scheduled_for",
        "case",
        "channel",
        "purpose",
        "state",
        "suppressed_labels",
        "tries",
        "sent_at",
        "template",
    ]
    list_filter = ["state", "channel", "purpose"]
    list_select_related = ["case__account", "template"]
    search_fields = ["=case__account__loan_number", "=idempotency_key", "=provider_message_id"]
    date_hierarchy = "scheduled_for"
    fields = [
        *(
            field.name
            for field in OutboundMessage._meta.fields
            if field.name not in ("suppressed_reasons", "suppressed_params")
        ),
        "suppressed_because",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=visible_cases(request.user))

    @admin.display(description=gettext_lazy("suppressed reasons"))
    def suppressed_labels(self, obj):
        return joined(reason_labels(obj.suppressed_reasons))

    @admin.display(description=gettext_lazy("suppressed because"))
    def suppressed_because(self, obj):
        return " ".join(obj.suppression_explanations) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
