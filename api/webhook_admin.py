"""Webhook endpoints in the admin: made and changed by an administrator (the signing secret
shown once, on the page after the form), tried with a test event, deactivated; the
delivery log read by administrators and compliance reviewers, never edited, and tried
again at once by whoever manages the endpoints."""

import json

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.adminkit import ServiceAdminMixin, ServiceForm

from . import webhooks
from .webhook_models import SUBSCRIBABLE_EVENTS, EventType, WebhookDelivery, WebhookEndpoint


def _event_labels(values) -> str:
    return ", ".join(str(EventType(value).label) if value in EventType.values else value for value in values)


class WebhookEndpointForm(ServiceForm):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), choices=SUBSCRIBABLE_EVENTS, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events"]

    def validate_unique(self):
        pass  # the service checks the name (it has already made the endpoint by then)

    def call_service(self, data):
        if self.instance.pk:
            return webhooks.change_endpoint(self.instance, url=data["url"], events=data["events"])
        return webhooks.create_endpoint(name=data["name"], url=data["url"], events=data["events"], by=self.request_user)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "event_list", "created_at", "revoked_at"]
    readonly_fields = ["name", "event_list", "created_by", "created_at", "revoked_at"]
    actions = ["send_test_events", "deactivate_endpoints"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "url", "events"]
        # A reader (no change permission) sees every field read-only, the events by their names.
        events = "events" if self.has_change_permission(request, obj) else "event_list"
        return ["name", "url", events, "created_by", "created_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["name", "event_list", "created_by", "created_at", "revoked_at"]

    @admin.display(description=gettext_lazy("events"))
    def event_list(self, endpoint):
        return _event_labels(endpoint.events)

    def save_model(self, request, obj, form, change):
        obj.pk = form.result.pk
        obj.refresh_from_db()

    def response_add(self, request, obj, post_url_continue=None):
        response = TemplateResponse(
            request,
            "admin/api/webhookendpoint/secret.html",
            {
                **self.admin_site.each_context(request),
                "title": _("The signing secret of %(name)s") % {"name": obj.name},
                "opts": self.opts,
                "endpoint": obj,
            },
        )
        add_never_cache_headers(response)
        return response

    @admin.action(description=gettext_lazy("Send a test event"), permissions=["change"])
    def send_test_events(self, request, queryset):
        active = list(queryset.filter(revoked_at__isnull=True))
        for endpoint in active:
            webhooks.send_test_event(endpoint)
        self.message_user(
            request,
            _("A test event was queued for %(count)s endpoint(s): see the delivery log.") % {"count": len(active)},
        )

    @admin.action(description=gettext_lazy("Deactivate (no more events)"), permissions=["change"])
    def deactivate_endpoints(self, request, queryset):
        for endpoint in queryset:
            webhooks.deactivate(endpoint)
        self.message_user(request, _("%(count)s endpoint(s) deactivated.") % {"count": queryset.count()})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["state", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["=event_id"]
    readonly_fields = [
        "endpoint",
        "event_id",
        "event_type",
        "state",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "payload_shown",
    ]
    fields = readonly_fields
    actions = ["retry_now"]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("payload"))
    def payload_shown(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.payload, ensure_ascii=False, indent=2))

    @admin.action(description=gettext_lazy("Try again now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = webhooks.retry_now(queryset)
        self.message_user(request, _("%(count)s delivery(ies) queued again.") % {"count": count})

    def has_retry_permission(self, request):
        return request.user.has_perm("api.change_webhookendpoint")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
