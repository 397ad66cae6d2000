"""What a signed-in person may do, read once per request: their own permissions, their
groups' permissions and their groups' names in one query (Django's ModelBackend asks two
for the permissions, and the role checks asked one or two more for the groups, on every
page). The answers are cached on the user object, which lives as long as the request."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, F, Value


def _load(user) -> None:
    user_perms = (
        Permission.objects.filter(user=user)
        .order_by()
        .values_list(Value("user", output_field=CharField()), F("content_type__app_label"), F("codename"))
    )
    group_perms = (
        Permission.objects.filter(group__user=user)
        .order_by()
        .values_list(Value("group", output_field=CharField()), F("content_type__app_label"), F("codename"))
    )
    groups = (
        Group.objects.filter(user=user)
        .order_by()
        .values_list(Value("member", output_field=CharField()), F("name"), Value("", output_field=CharField()))
    )
    own, through_groups, names = set(), set(), set()
    for source, first, second in user_perms.union(group_perms, groups, all=True):
        if source == "member":
            names.add(first)
        else:
            (own if source == "user" else through_groups).add(f"{first}.{second}")
    user._group_names = frozenset(names)
    if not user.is_superuser:  # a superuser's permissions are every permission: ModelBackend's own
        user._user_perm_cache = own
        user._group_perm_cache = through_groups


def group_names(user) -> frozenset[str]:
    """The names of the groups (roles) ``user`` is in, read with their permissions."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_group_names"):
        _load(user)
    return user._group_names


class PermissionsAndGroupsBackend(ModelBackend):
    """ModelBackend whose permission caches are filled by one query (with the group names)."""

    def _get_permissions(self, user_obj, obj, from_name):
        if user_obj.is_active and not user_obj.is_anonymous and obj is None:
            group_names(user_obj)
        return super()._get_permissions(user_obj, obj, from_name)
