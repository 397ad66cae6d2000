"""Roles (Django groups) named in the reader's language: a role's name is stored in
English, as the permission setup and the rest of the code refer to it, and shown through
the catalogue."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext, gettext_lazy


def role_label(group: Group) -> str:
    return gettext(group.name)


class RoleFilter(admin.SimpleListFilter):
    title = gettext_lazy("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(str(group.pk), role_label(group)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__pk=self.value()) if self.value() else queryset


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    list_display = ["role"]

    @admin.display(description=gettext_lazy("role"), ordering="name")
    def role(self, obj):
        return role_label(obj)
