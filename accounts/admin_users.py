"""Staff accounts: Administrators manage users but cannot mint superusers, give roles or
set anyone's password. Roles are read-only here: they change through a request a second
administrator approves (accounts/services.py). A password is changed by its owner alone
(Change password, or the operator's ``manage.py changepassword`` for a forgotten one)."""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from core.adminkit import ReadOnlyInline

from .admin_roles import RoleFilter, permission_label, role_label
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
        details = event.details
        return details.get("role") or details.get("device") or details.get("ip") or "—"


class StaffUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active", "last_login"]
    list_filter = [RoleFilter, "is_active", "is_staff"]
    inlines = [StaffEventInline]
    # No password here (nobody sets another person's), roles shown but not edited.
    fieldsets = (
        (None, {"fields": ("username",)}),
        (gettext_lazy("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (
            gettext_lazy("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "role_names", "change_roles", "own_permissions"),
                "description": gettext_lazy(
                    "Roles change only through a request that a second administrator approves."
                ),
            },
        ),
        (gettext_lazy("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    # Roles and permissions are shown by their labels in the reader's language (the stored
    # names are English), and are read-only here.
    @admin.display(description=gettext_lazy("permissions of this user alone"))
    def own_permissions(self, obj):
        labels = sorted(permission_label(p) for p in obj.user_permissions.select_related("content_type"))
        return ", ".join(labels) or "—"

    @admin.display(description=gettext_lazy("roles"))
    def role_names(self, obj):
        return ", ".join(role_label(group) for group in obj.groups.all())

    @admin.display(description=gettext_lazy("change roles"))
    def change_roles(self, obj):
        url = f"{reverse('admin:accounts_accesschange_add')}?{urlencode({'user': obj.pk})}"
        return format_html('<a href="{}">{}</a>', url, gettext_lazy("Ask for a role change"))

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "role_names", "change_roles", "own_permissions"]
        if not request.user.is_superuser:
            readonly += ["is_superuser", "last_login", "date_joined"]
        return readonly

    def user_change_password(self, request, id, form_url=""):
        # Setting another person's password would let one administrator sign in as them.
        raise PermissionDenied

    def has_delete_permission(self, request, obj=None):
        # Users appear in history and case events: deactivate instead of deleting.
        return False


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
