"""Roles (Django groups) named in the reader's language: a role's name is stored in
English, as the permission setup and the rest of the code refer to it, and shown through
the catalogue."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
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


# Django's own permissions are named "Can add loan account" in the database, in English:
# shown as the model's name and the action, both in the reader's language.
ACTIONS = {
    "add": gettext_lazy("may add"),
    "change": gettext_lazy("may change"),
    "delete": gettext_lazy("may delete"),
    "view": gettext_lazy("may view"),
}


def permission_label(permission) -> str:
    model = permission.content_type.model_class()
    action, _sep, rest = permission.codename.partition("_")
    if model is not None and action in ACTIONS and rest == model._meta.model_name:
        name = str(model._meta.verbose_name)
        return f"{name[:1].upper()}{name[1:]} · {ACTIONS[action]}"
    return gettext(permission.name)


@admin.register(Group)
class RoleAdmin(GroupAdmin):
    list_display = ["role"]

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["role", "permission_list"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["role", "permission_list"]
        return super().get_readonly_fields(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        group = self.get_object(request, object_id)
        if group is not None:
            # The page's heading names the role in the reader's language, not its stored name.
            extra_context = {**(extra_context or {}), "subtitle": role_label(group)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=gettext_lazy("what the role may do"))
    def permission_list(self, obj):
        labels = sorted(permission_label(p) for p in obj.permissions.select_related("content_type"))
        return format_html_join(mark_safe("<br>"), "{}", ((label,) for label in labels))

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "permissions" and field is not None:
            field.label_from_instance = permission_label
        return field

    @admin.display(description=gettext_lazy("role"), ordering="name")
    def role(self, obj):
        return role_label(obj)
