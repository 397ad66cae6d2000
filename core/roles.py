"""
The five staff roles and what each may do.

Each app declares what the roles may do with its own models in its ``roles.py``
(``ROLE_PERMISSIONS = {role: ["app_label.codename", ...]}``); this module finds them the
way the admin finds ``admin.py``, and ``sync_roles`` makes the groups hold exactly those
permissions. Data migrations call it whenever models or permissions are added.
"""

from importlib import import_module, util

from django.apps import apps as global_apps

ROLES = ["Collector", "Field agent", "Supervisor", "Compliance reviewer", "Administrator"]

# What the ground floor itself grants: the job runs page and its "run the nightly cycle" button.
ROLE_PERMISSIONS = {
    "Supervisor": ["core.view_jobrun", "core.run_nightly_cycle"],
    "Compliance reviewer": ["core.view_jobrun"],
    "Administrator": ["core.view_jobrun", "core.run_nightly_cycle"],
}


def all_role_permissions() -> dict[str, list[str]]:
    """Every installed app's ROLE_PERMISSIONS merged, role by role."""
    merged: dict[str, list[str]] = {role: [] for role in ROLES}
    for app_config in global_apps.get_app_configs():
        module_name = f"{app_config.name}.roles"
        if util.find_spec(module_name) is None:
            continue
        for role, perms in import_module(module_name).ROLE_PERMISSIONS.items():
            merged.setdefault(role, []).extend(perms)
    return merged


def sync_roles(apps) -> None:
    """Create the groups and give each exactly the permissions of all_role_permissions()."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    for role, perms in all_role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
