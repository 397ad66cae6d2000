"""Every role reads the policy numbers; administrators write new versions."""

ROLE_PERMISSIONS = {
    "Collector": ["policy.view_policyprofile"],
    "Field agent": ["policy.view_policyprofile"],
    "Supervisor": ["policy.view_policyprofile"],
    "Compliance reviewer": ["policy.view_policyprofile"],
    "Administrator": ["policy.view_policyprofile", "policy.add_policyprofile", "policy.change_policyprofile"],
}
