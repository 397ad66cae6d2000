"""The admin's part of the permission table (tests/permission_table.py): for every
registered model, which object its pages open and what each actor gets on each page."""

# --- the admin: every registered model × changelist, add, change, delete, history ---------------
#
# Which object each model's object pages open (a key of the world, tests/permission_world.py).
ADMIN_OBJECTS = {
    "auth_group": "group",
    "auth_user": "user",
    "cases_borrower": "borrower",
    "cases_contactpoint": "postal",
    "cases_loanaccount": "account",
    "cases_payment": "payment",
    "cases_collectioncase": "case",
    "cases_caseevent": "event",
    "cases_hold": "hold",
    "cases_forbearanceassessment": "assessment",
    "cases_promisetopay": "promise",
    "cases_repaymentplan": "plan",
    "cases_installment": "installment",
    "cases_teammember": "team_member",
    "core_jobrun": "jobrun",
    "policy_policyprofile": "profile",
    "contacts_contactattempt": "attempt",
    "contacts_messagetemplate": "template",
    "contacts_channeloptout": "optout",
    "contacts_outboundmessage": "outbound",
    "contacts_consent": "consent",
    "contacts_consentrevocation": "revocation",
    "contacts_inboundmessage": "inbound",
    "visits_fieldagent": "agent",
    "visits_fieldvisit": "visit",
    "compliance_finding": "finding",
    "compliance_reviewsample": "sample",
    "compliance_complaint": "complaint",
    "audit_accesslog": "accesslog",
    "audit_auditledger": "ledger",
    "axes_accessattempt": "axes_attempt",
    "api_apiclient": "api_client",
    "api_apicall": "api_call",
    "api_webhookendpoint": "webhook_endpoint",
    "api_webhookdelivery": "webhook_delivery",
    "axes_accesslog": "axes_log",
    "axes_accessfailurelog": "axes_failure",
    "otp_totp_totpdevice": "totp_device",
    "accounts_accesschange": "access_change",
    "accounts_enrolmentcode": "enrolment_code",
}

# Admin object pages open a record of the matrix case: a collector who does not work it
# (Cx) and a field agent not on its visits (Fx) get 404, as for the case itself. Past
# versions (simple_history) are never shown (404 for everyone); nothing is deletable.
#                         anon   C     Cx    F     Fx    S     R     A
ADMIN = {
    "auth_group": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
    },
    "auth_user": {
        "changelist": "login 403   403   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 403   403   403   403   200   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   200   200   200",
    },
    "cases_borrower": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_contactpoint": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   200   403   200",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_loanaccount": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_payment": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   403   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   403   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    # Collectors and field agents work from the desk: the list and a case's page send them
    # to the queue and to that case's desk
    # (test_collectors_and_field_agents_are_sent_from_the_admin_case_pages_to_the_desk).
    "cases_collectioncase": {
        "changelist": "login 302   302   302   302   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 302   404   302   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    # Teams: administrators keep them, supervisors and reviewers look.
    "cases_teammember": {
        "changelist": "login 403   403   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 403   403   403   403   200   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_caseevent": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
    },
    "cases_hold": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 200   200   403   403   200   403   403",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    # Recorded by whoever works the case (through the service), read by supervisors and
    # compliance; never edited.
    "cases_forbearanceassessment": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 200   200   403   403   200   403   403",
        "change": "login 200   404   403   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   403   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_promisetopay": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 200   200   200   200   200   403   403",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_repaymentplan": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   403   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   403   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "cases_installment": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   403   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   403   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "core_jobrun": {
        "changelist": "login 403   403   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   200   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   200   200   200",
    },
    "policy_policyprofile": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 200   200   200   200   200   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 200   200   200   200   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "contacts_contactattempt": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "contacts_messagetemplate": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 200   200   403   403   200   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 200   200   403   403   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "contacts_channeloptout": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 200   200   403   403   200   403   403",
        "change": "login 200   404   403   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   403   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "contacts_outboundmessage": {
        "changelist": "login 200   200   403   403   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   403   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   403   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "visits_fieldagent": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   200   403   200",
        "change": "login 200   200   200   200   200   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 200   200   200   200   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "visits_fieldvisit": {
        "changelist": "login 200   200   200   200   200   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 200   404   200   404   200   200   200",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 200   404   200   404   200   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "compliance_finding": {
        "changelist": "login 403   403   403   403   403   200   403",
        "add": "login 403   403   403   403   403   200   403",
        "change": "login 403   403   403   403   403   200   403",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   403",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "compliance_reviewsample": {
        "changelist": "login 403   403   403   403   403   200   403",
        "add": "login 403   403   403   403   403   200   403",
        "change": "login 403   403   403   403   403   200   403",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   403",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "compliance_complaint": {
        "changelist": "login 403   403   403   403   200   200   403",
        "add": "login 403   403   403   403   200   200   403",
        "change": "login 403   404   403   404   200   200   403",
        "delete": "login 403   404   403   404   403   403   403",
        "history": "login 403   404   403   404   200   200   403",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "audit_accesslog": {
        "changelist": "login 403   403   403   403   403   200   403",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   403",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   403",
    },
    "audit_auditledger": {
        "changelist": "login 403   403   403   403   403   200   403",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   403",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   403",
    },
    # Sign-in security (django-axes, django-otp): lockouts for supervisors and
    # administrators (who unlock by deleting the attempt), devices for administrators.
    "axes_accessattempt": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   200",
        "history": "login 403   403   403   403   403   200   200",
    },
    # Integration API clients: administrators make, rotate and revoke them; reviewers read.
    "api_apiclient": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
    },
    "api_apicall": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
    },
    # Outgoing webhooks: administrators make and change endpoints; the delivery log is read-only.
    "api_webhookendpoint": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
    },
    "api_webhookdelivery": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
    },
    "axes_accesslog": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
    },
    "axes_accessfailurelog": {
        "changelist": "login 403   403   403   403   403   403   403",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   403   403",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   403   403",
    },
    "otp_totp_totpdevice": {
        "changelist": "login 403   403   403   403   403   403   200",
        "add": "login 403   403   403   403   403   403   403",
        "change": "login 403   403   403   403   403   403   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   403   200",
    },
    # Role and authenticator changes and enrolment codes: administrators ask, approve
    # (another one) and issue; reviewers read; nothing is edited or deleted.
    "accounts_accesschange": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
    "accounts_enrolmentcode": {
        "changelist": "login 403   403   403   403   403   200   200",
        "add": "login 403   403   403   403   403   403   200",
        "change": "login 403   403   403   403   403   200   200",
        "delete": "login 403   403   403   403   403   403   403",
        "history": "login 403   403   403   403   403   200   200",
        "simple_history": "login 404   404   404   404   404   404   404",
    },
}


# The consent ledger: read where contacts are read, consents and withdrawals recorded like
# opt-outs (through the services, never edited); inbound messages read-only, like the outbox.
ADMIN["contacts_consent"] = ADMIN["contacts_consentrevocation"] = ADMIN["contacts_channeloptout"]
ADMIN["contacts_inboundmessage"] = {
    view: expected for view, expected in ADMIN["contacts_outboundmessage"].items() if view != "simple_history"
}
