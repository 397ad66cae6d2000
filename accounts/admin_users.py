"""Staff accounts: Administrators manage users and roles but cannot mint superusers."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from core.adminkit import ReadOnlyInline

from .models import StaffEvent


class StaffEventInline(ReadOnlyInline):
    """The user's security facts, newest first: passwords, authenticators, lockouts."""

    model = StaffEvent
    fk_name = "user"
    fields = ["kind", "when", "by", "about"]
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = gettext_lazy("Security events")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    @admin.display(description=gettext_lazy("when"))
    def when(self, event):
        return formats.date_format(timezone.localtime(event.at), "DATETIME_FORMAT")

    @admin.display(description=gettext_lazy("about"))
    def about(self, event):
        return event.details.get("device") or event.details.get("ip") or "—"


class StaffUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff"]
    inlines = [StaffEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=gettext_lazy("roles"))
    def role_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        # Users appear in history and case events: deactivate instead of deleting.
        return False


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
