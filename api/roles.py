"""What each role may do with API clients (merged by core.roles): administrators make,
rotate and revoke them; compliance reviewers read who called what."""

ROLE_PERMISSIONS = {
    "Compliance reviewer": ["api.view_apiclient", "api.view_apicall"],
    "Administrator": ["api.view_apiclient", "api.add_apiclient", "api.change_apiclient", "api.view_apicall"],
}
