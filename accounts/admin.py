"""Authenticators in the admin: who has one, and removing a lost one. django-otp's own
admin shows the secret and its QR code; nobody here may see those, so it is replaced.
django-otp's field names are not translatable, so the columns are named here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


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
    list_display = ["person", "device_name", "is_confirmed", "created", "last_used"]
    list_filter = [ConfirmedFilter]
    search_fields = ["user__username"]
    search_help_text = _("A username.")
    fields = list_display
    readonly_fields = fields

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
        return device.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, device):
        return device.last_used_at

    def has_add_permission(self, request):
        return False  # people enrol their own authenticator (/account/two-factor/enrol/)

    def has_change_permission(self, request, obj=None):
        return False


from . import admin_users  # noqa: E402,F401  (staff users and their roles)
