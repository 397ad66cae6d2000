"""What the roles may do with the desk's own pages (merged by core.roles): supervisors
run the book from the KPI dashboard; compliance reviewers read it beside their findings."""

ROLE_PERMISSIONS = {
    "Supervisor": ["desk.view_kpi_dashboard"],
    "Compliance reviewer": ["desk.view_kpi_dashboard"],
}
