"""Authenticators in the admin: who has one, and removing a lost one. django-otp's own
admin shows the secret and its QR code; nobody here may see those, so it is replaced."""
from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # people enrol their own authenticator (/account/two-factor/enrol/)

    def has_change_permission(self, request, obj=None):
        return False
