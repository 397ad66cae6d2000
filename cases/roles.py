"""
The five staff roles and what each may do, in one table.

Groups are created and kept in step with this table by data migrations
(``sync_roles``); a later migration that adds models calls it again.
"""

VIEW_CASE_BOOK = [
    "cases.view_borrower", "cases.view_contactpoint", "cases.view_loanaccount",
    "cases.view_collectioncase", "cases.view_caseevent", "cases.view_payment",
    "cases.view_promisetopay", "cases.view_repaymentplan", "cases.view_installment",
    "cases.view_hold", "contacts.view_policyprofile", "contacts.view_contactattempt",
    "contacts.view_messagetemplate", "contacts.view_channeloptout", "contacts.view_outboundmessage",
]

ROLE_PERMISSIONS = {
    "Collector": VIEW_CASE_BOOK + [
        # change_collectioncase lets the case page accept transition buttons; every
        # field on it stays read-only for collectors.
        "cases.change_collectioncase", "cases.escalate_case",
        "cases.add_promisetopay", "cases.add_repaymentplan",
        "cases.add_hold", "cases.place_hold",
        "cases.view_full_contact_details",
        "contacts.add_contactattempt", "contacts.add_channeloptout",
    ],
    "Field agent": [
        "cases.view_borrower", "cases.view_contactpoint", "cases.view_loanaccount",
        "cases.view_collectioncase", "cases.view_caseevent", "cases.view_hold",
        "cases.view_promisetopay", "contacts.view_policyprofile",
        "cases.view_full_contact_details", "contacts.view_contactattempt", "contacts.add_contactattempt",
    ],
    "Supervisor": VIEW_CASE_BOOK + [
        "cases.change_collectioncase", "cases.escalate_case", "cases.refer_to_legal",
        "cases.settle_case", "cases.write_off_case", "cases.assign_case",
        "cases.add_hold", "cases.place_hold", "cases.release_hold",
        "cases.add_promisetopay", "cases.add_repaymentplan", "cases.approve_repayment_plan",
        "cases.add_payment", "cases.add_contactpoint", "cases.change_contactpoint",
        "cases.view_full_national_id", "cases.view_full_contact_details",
        "auth.view_user",
        "contacts.add_contactattempt", "contacts.add_channeloptout", "contacts.override_contact_policy",
        "cases.view_jobrun", "cases.run_nightly_cycle",
    ],
    # Reads everything, changes nothing (findings arrive with the compliance workspace).
    "Compliance reviewer": VIEW_CASE_BOOK + [
        "cases.view_full_national_id", "cases.view_full_contact_details",
        "auth.view_user", "auth.view_group",
        "contacts.approve_messagetemplate", "cases.view_jobrun",
    ],
    "Administrator": VIEW_CASE_BOOK + [
        "auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group",
        "contacts.add_policyprofile", "contacts.change_policyprofile",
        "cases.add_borrower", "cases.change_borrower", "cases.add_contactpoint",
        "cases.change_contactpoint", "cases.add_loanaccount", "cases.change_loanaccount",
        "contacts.add_messagetemplate", "contacts.change_messagetemplate",
        "cases.view_jobrun", "cases.run_nightly_cycle",
    ],
}


# Apps whose roles.py adds permissions to the roles (ROLE_PERMISSIONS there, same shape).
ROLE_MODULES = ["visits.roles", "compliance.roles", "accounts.roles"]


def all_role_permissions() -> dict[str, list[str]]:
    """This table plus what each app's roles.py adds, so every app declares its own."""
    from importlib import import_module

    merged = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for module_name in ROLE_MODULES:
        try:
            extra = import_module(module_name).ROLE_PERMISSIONS
        except ModuleNotFoundError:
            continue
        for role, perms in extra.items():
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
