"""What each role may do with contact attempts, templates, opt-outs, the outbox and the
consent ledger (consents, withdrawals, inbound messages: read by everyone who reads
contacts; consents and withdrawals recorded by the staff who talk to borrowers)."""

VIEW_CONTACTS = [
    "contacts.view_contactattempt",
    "contacts.view_messagetemplate",
    "contacts.view_channeloptout",
    "contacts.view_outboundmessage",
    "contacts.view_consent",
    "contacts.view_consentrevocation",
    "contacts.view_inboundmessage",
]
RECORD_CONSENT = ["contacts.add_consent", "contacts.add_consentrevocation"]

ROLE_PERMISSIONS = {
    "Collector": VIEW_CONTACTS + ["contacts.add_contactattempt", "contacts.add_channeloptout", *RECORD_CONSENT],
    "Field agent": ["contacts.view_contactattempt", "contacts.add_contactattempt"],
    "Supervisor": VIEW_CONTACTS
    + [
        "contacts.add_contactattempt",
        "contacts.add_channeloptout",
        "contacts.override_contact_policy",
        *RECORD_CONSENT,
    ],
    "Compliance reviewer": VIEW_CONTACTS + ["contacts.approve_messagetemplate"],
    "Administrator": VIEW_CONTACTS + ["contacts.add_messagetemplate", "contacts.change_messagetemplate"],
}
