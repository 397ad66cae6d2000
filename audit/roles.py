"""Compliance reviewers read the access log and the ledger, and verify the chain."""

ROLE_PERMISSIONS = {
    "Compliance reviewer": ["audit.view_accesslog", "audit.view_auditledger", "audit.verify_audit_chain"],
}
