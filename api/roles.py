"""What each role may do with API clients and webhook endpoints (merged by core.roles):
administrators make, rotate and revoke clients and manage the endpoints we send events to;
compliance reviewers read who called what, and what we sent to whom."""

ROLE_PERMISSIONS = {
    "Compliance reviewer": [
        "api.view_apiclient",
        "api.view_apicall",
        "api.view_webhookendpoint",
        "api.view_webhookdelivery",
    ],
    "Administrator": [
        "api.view_apiclient",
        "api.add_apiclient",
        "api.change_apiclient",
        "api.view_apicall",
        "api.view_webhookendpoint",
        "api.add_webhookendpoint",
        "api.change_webhookendpoint",
        "api.view_webhookdelivery",
    ],
}
