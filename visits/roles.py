"""What each role may do with field visits (merged by core.roles)."""

ROLE_PERMISSIONS = {
    "Collector": [
        "visits.add_fieldvisit",
        "visits.view_fieldvisit",
        "visits.view_visitnotice",
        "visits.view_fieldagent",
    ],
    "Field agent": [
        "visits.view_fieldvisit",
        "visits.view_visitnotice",
        "visits.carry_out_fieldvisit",
        "visits.view_fieldagent",
        "cases.add_promisetopay",
        "cases.add_repaymentplan",
    ],
    "Supervisor": [
        "visits.add_fieldvisit",
        "visits.view_fieldvisit",
        "visits.view_visitnotice",
        "visits.approve_fieldvisit",
        "visits.request_visit_exception",
        "visits.view_fieldagent",
        "visits.add_fieldagent",
        "visits.change_fieldagent",
    ],
    "Compliance reviewer": ["visits.view_fieldvisit", "visits.view_visitnotice", "visits.view_fieldagent"],
    "Administrator": [
        "visits.view_fieldvisit",
        "visits.view_visitnotice",
        "visits.view_fieldagent",
        "visits.add_fieldagent",
        "visits.change_fieldagent",
    ],
}
