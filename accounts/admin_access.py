"""Role and authenticator changes (asked for by one administrator, approved by another:
accounts/services.py) and enrolment codes (issued by an administrator, shown once:
accounts/enrolment.py) in the admin. Nothing here is edited or deleted: requests are
decided, codes are used or expire."""

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.adminkit import HistoryAdmin, ServiceAdminMixin, ServiceForm
from core.exceptions import ServiceError

from . import enrolment, services
from .admin_roles import role_label
from .models import AccessChange, EnrolmentCode


def _only_active_people(db_field, kwargs) -> None:
    """A change or a code is for someone still on the staff."""
    if db_field.name == "user":
        kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")


def _local(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


class AccessChangeForm(ServiceForm):
    class Meta:
        model = AccessChange
        fields = ["user", "kind", "role", "reason"]

    def call_service(self, data):
        return services.request_access_change(
            data["user"], data["kind"], role=data.get("role"), reason=data["reason"], by=self.request_user
        )


@admin.register(AccessChange)
class AccessChangeAdmin(ServiceAdminMixin, HistoryAdmin):
    form = AccessChangeForm
    list_display = ["user", "kind", "role_name", "state", "requested_by", "asked_at", "decided_by"]
    list_filter = ["state", "kind"]
    list_select_related = ["user", "role", "requested_by", "decided_by"]
    search_fields = ["user__username", "requested_by__username"]
    search_help_text = gettext_lazy("A username.")
    readonly_fields = ["state", "requested_by", "asked_at", "decided_by", "decided"]
    actions = ["approve_selected", "reject_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "kind", "role", "reason"]
        return ["user", "kind", "role", "reason", *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _only_active_people(db_field, kwargs)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "role" and field is not None:
            field.label_from_instance = role_label  # the role in the reader's language
        return field

    @admin.display(description=gettext_lazy("role"), ordering="role__name")
    def role_name(self, change):
        return role_label(change.role) if change.role_id else "—"

    @admin.display(description=gettext_lazy("asked at"), ordering="requested_at")
    def asked_at(self, change):
        return _local(change.requested_at)

    @admin.display(description=gettext_lazy("decided at"), ordering="decided_at")
    def decided(self, change):
        return _local(change.decided_at)

    def has_change_permission(self, request, obj=None):
        return False  # decided with the actions, never edited

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("accounts.approve_accesschange"):
            actions.pop("approve_selected", None)
        if not request.user.has_perm("accounts.add_accesschange"):
            actions.pop("reject_selected", None)
        return actions

    def _decide(self, request, queryset, service, done):
        for change in queryset:
            try:
                service(change, by=request.user)
            except ServiceError as refusal:
                self.message_user(request, f"{change}: {refusal}", level=messages.ERROR)
            else:
                self.message_user(request, f"{change}: {done}", level=messages.SUCCESS)

    @admin.action(description=gettext_lazy("Approve the selected changes (they are applied at once)"))
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, services.approve_access_change, _("approved and applied."))

    @admin.action(description=gettext_lazy("Turn down the selected changes"))
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, services.reject_access_change, _("turned down."))


class EnrolmentCodeForm(ServiceForm):
    class Meta:
        model = EnrolmentCode
        fields = ["user"]

    def call_service(self, data):
        return enrolment.issue_enrolment_code(data["user"], by=self.request_user)


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ServiceAdminMixin, HistoryAdmin):
    """Issuing a code shows it once, on the page after the form; only its hash is kept."""

    form = EnrolmentCodeForm
    list_display = ["user", "issued_by", "issued", "good_until", "used"]
    list_select_related = ["user", "issued_by"]
    search_fields = ["user__username"]
    search_help_text = gettext_lazy("A username.")
    readonly_fields = ["issued_by", "issued", "good_until", "used"]

    def get_fields(self, request, obj=None):
        return ["user"] if obj is None else ["user", *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _only_active_people(db_field, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("issued at"), ordering="issued_at")
    def issued(self, code):
        return _local(code.issued_at)

    @admin.display(description=gettext_lazy("good until"), ordering="expires_at")
    def good_until(self, code):
        return _local(code.expires_at)

    @admin.display(description=gettext_lazy("used at"), ordering="used_at")
    def used(self, code):
        return _local(code.used_at)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        row, request.issued_enrolment_code = form.result
        obj.pk = row.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        response = TemplateResponse(
            request,
            "admin/accounts/enrolmentcode/issued.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Enrolment code issued"),
                "opts": self.opts,
                "person": obj.user,
                "code": request.issued_enrolment_code,
                "good_until": _local(obj.expires_at),
            },
        )
        add_never_cache_headers(response)
        return response
