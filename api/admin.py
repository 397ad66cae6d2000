"""API clients in the admin: made by an administrator (the key shown once, on the page
after the form), rotated or revoked from the list; their calls readable, never edited."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.adminkit import ServiceAdminMixin, ServiceForm

from . import keys
from .models import ApiCall, ApiClient, Scope


class ApiClientForm(ServiceForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApiClient
        fields = ["name", "scopes", "requests_per_minute"]

    def validate_unique(self):
        pass  # the service checks the name (it has already made the client by then)

    def call_service(self, data):
        return keys.create_client(
            name=data["name"],
            scopes=data["scopes"],
            requests_per_minute=data["requests_per_minute"],
            by=self.request_user,
        )


@admin.register(ApiClient)
class ApiClientAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "prefix", "scope_list", "requests_per_minute", "last_used_at", "revoked_at"]
    readonly_fields = [
        "prefix",
        "scope_list",
        "requests_per_minute",
        "created_by",
        "created_at",
        "rotated_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["rotate_keys", "revoke_keys"]

    def get_fields(self, request, obj=None):
        return ["name", "scopes", "requests_per_minute"] if obj is None else ["name", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["name", *self.readonly_fields]

    @admin.display(description=gettext_lazy("scopes"))
    def scope_list(self, client):
        return ", ".join(str(Scope(scope).label) if scope in Scope.values else scope for scope in client.scopes)

    def save_model(self, request, obj, form, change):
        client, request.issued_api_key = form.result
        obj.pk = client.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        return self._show_key(request, obj, request.issued_api_key)

    def _show_key(self, request, client, key):
        response = TemplateResponse(
            request,
            "admin/api/apiclient/key.html",
            {
                **self.admin_site.each_context(request),
                "title": _("The key of %(name)s") % {"name": client.name},
                "opts": self.opts,
                "client": client,
                "key": key,
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description=gettext_lazy("Rotate the key (the old one stops at once)"), permissions=["change"])
    def rotate_keys(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, _("Rotate one client's key at a time: its new key is shown once."), messages.ERROR
            )
            return None
        client = queryset.get()
        return self._show_key(request, client, keys.rotate_key(client))

    @admin.action(description=gettext_lazy("Revoke (refused from now on)"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        for client in queryset:
            keys.revoke(client)
        self.message_user(request, _("%(count)s client(s) revoked.") % {"count": queryset.count()})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "method", "path", "status"]
    list_filter = ["status", "method"]
    list_select_related = ["client"]
    readonly_fields = ["at", "client", "method", "path", "status"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Outgoing webhooks: endpoints and their delivery log (api/webhook_admin.py).
from . import webhook_admin  # noqa: E402, F401
