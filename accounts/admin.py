"""Authenticators in the admin: who has one, and asking for a lost one's removal (a second
administrator approves it: accounts/services.py). django-otp's own admin shows the secret
and its QR code; nobody here may see those, so it is replaced. django-otp's field names
are not translatable, so the columns are named here."""

from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.when import local_datetime

from .models import AccessChange

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)
# django-otp names the model in untranslatable English ("TOTP device"); people call it
# their authenticator, in their language.
TOTPDevice._meta.verbose_name = _("authenticator")
TOTPDevice._meta.verbose_name_plural = _("authenticators")


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("confirmed")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(confirmed=self.value() == "1")
        return queryset


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["person", "device_name", "is_confirmed", "created", "last_used", "removal"]
    list_filter = [ConfirmedFilter]
    search_fields = ["user__username"]
    search_help_text = _("A username.")
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user"]

    @admin.display(description=_("user"), ordering="user__username")
    def person(self, device):
        return device.user

    @admin.display(description=_("name"), ordering="name")
    def device_name(self, device):
        return device.name

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed")
    def is_confirmed(self, device):
        return device.confirmed

    @admin.display(description=_("set up"), ordering="created_at")
    def created(self, device):
        return local_datetime(device.created_at)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, device):
        return local_datetime(device.last_used_at)

    @admin.display(description=_("removal"))
    def removal(self, device):
        query = urlencode({"user": device.user_id, "kind": AccessChange.Kind.REMOVE_DEVICE})
        return format_html(
            '<a href="{}?{}">{}</a>', reverse("admin:accounts_accesschange_add"), query, _("Ask to remove")
        )

    def has_add_permission(self, request):
        return False  # people enrol their own authenticator (/account/two-factor/enrol/)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # removal is asked for and approved by two administrators


from . import admin_access, admin_roles, admin_users  # noqa: E402,F401  (changes and codes; roles; staff users)
