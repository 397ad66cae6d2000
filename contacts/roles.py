"""What each role may do with contact attempts, templates, opt-outs and the outbox."""

VIEW_CONTACTS = [
    "contacts.view_contactattempt",
    "contacts.view_messagetemplate",
    "contacts.view_channeloptout",
    "contacts.view_outboundmessage",
]

ROLE_PERMISSIONS = {
    "Collector": VIEW_CONTACTS + ["contacts.add_contactattempt", "contacts.add_channeloptout"],
    "Field agent": ["contacts.view_contactattempt", "contacts.add_contactattempt"],
    "Supervisor": VIEW_CONTACTS
    + [
        "contacts.add_contactattempt",
        "contacts.add_channeloptout",
        "contacts.override_contact_policy",
    ],
    "Compliance reviewer": VIEW_CONTACTS + ["contacts.approve_messagetemplate"],
    "Administrator": VIEW_CONTACTS + ["contacts.add_messagetemplate", "contacts.change_messagetemplate"],
}
