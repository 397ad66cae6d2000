"""What the compliance workspace adds to the roles (merged by core.roles)."""

ROLE_PERMISSIONS = {
    "Compliance reviewer": [
        "compliance.view_finding",
        "compliance.add_finding",
        "compliance.change_finding",
        "compliance.view_reviewsample",
        "compliance.add_reviewsample",
        "compliance.change_reviewsample",
        "compliance.view_complaint",
        "compliance.add_complaint",
        "compliance.change_complaint",
        "compliance.run_compliance_scan",
        # Only so recording a complaint can stop the case at once (a complaint-investigation
        # hold, through cases.services.place_hold). Reviewers get no hold admin: no add_hold.
        "cases.place_hold",
    ],
    "Supervisor": ["compliance.view_complaint", "compliance.add_complaint"],
}
