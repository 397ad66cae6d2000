"""What each role may do with the case book (core.roles merges every app's roles.py)."""

VIEW_CASE_BOOK = [
    "cases.view_borrower",
    "cases.view_contactpoint",
    "cases.view_loanaccount",
    "cases.view_collectioncase",
    "cases.view_caseevent",
    "cases.view_payment",
    "cases.view_promisetopay",
    "cases.view_repaymentplan",
    "cases.view_installment",
    "cases.view_hold",
    "cases.view_forbearanceassessment",
]

ROLE_PERMISSIONS = {
    "Collector": VIEW_CASE_BOOK
    + [
        # change_collectioncase lets the case page accept transition buttons; every
        # field on it stays read-only for collectors.
        "cases.change_collectioncase",
        "cases.escalate_case",
        "cases.add_promisetopay",
        "cases.add_repaymentplan",
        "cases.add_hold",
        "cases.place_hold",
        # Whoever works the case records the forbearance offered (EU CCD2 art. 35).
        "cases.add_forbearanceassessment",
        "cases.view_full_contact_details",
    ],
    "Field agent": [
        "cases.view_borrower",
        "cases.view_contactpoint",
        "cases.view_loanaccount",
        "cases.view_collectioncase",
        "cases.view_caseevent",
        "cases.view_hold",
        "cases.view_promisetopay",
        "cases.view_full_contact_details",
    ],
    "Supervisor": VIEW_CASE_BOOK
    + [
        "cases.change_collectioncase",
        "cases.escalate_case",
        "cases.refer_to_legal",
        "cases.settle_case",
        "cases.write_off_case",
        "cases.assign_case",
        "cases.add_hold",
        "cases.place_hold",
        "cases.release_hold",
        "cases.add_promisetopay",
        "cases.add_repaymentplan",
        "cases.approve_repayment_plan",
        "cases.add_payment",
        "cases.add_forbearanceassessment",
        "cases.record_acknowledgement",
        "cases.post_default_charge",
        "cases.add_contactpoint",
        "cases.change_contactpoint",
        "cases.view_full_national_id",
        "cases.view_full_contact_details",
        # Their team (who leads whom, which new cases each takes) and its workload.
        "cases.view_teammember",
        "cases.view_workload",
    ],
    # Reads everything, changes nothing but findings (compliance/roles.py).
    "Compliance reviewer": VIEW_CASE_BOOK
    + [
        "cases.view_full_national_id",
        "cases.view_full_contact_details",
        "cases.view_teammember",
        "cases.view_workload",
    ],
    "Administrator": VIEW_CASE_BOOK
    + [
        "cases.add_borrower",
        "cases.change_borrower",
        "cases.add_contactpoint",
        "cases.change_contactpoint",
        "cases.add_loanaccount",
        "cases.change_loanaccount",
        # Who is in which supervisor's team, and which new cases each collector takes.
        "cases.view_teammember",
        "cases.add_teammember",
        "cases.change_teammember",
    ],
}
