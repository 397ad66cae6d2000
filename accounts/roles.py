"""What the roles may do with sign-in security (merged by core.roles), and with staff users.

Administrators unlock a locked-out sign-in (delete the axes attempt), issue enrolment
codes, and ask for and approve role changes and the removal of a lost authenticator (one
asks, another approves: accounts/services.py); they never see a device's secret, nor
delete a device or give a role directly. Compliance reviewers read the sign-in records,
the staff security events, the change requests and the codes issued.
"""

ROLE_PERMISSIONS = {
    "Supervisor": ["auth.view_user"],
    "Administrator": [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "otp_totp.view_totpdevice",
        "accounts.view_staffevent",
        "accounts.view_accesschange",
        "accounts.add_accesschange",
        "accounts.approve_accesschange",
        "accounts.view_enrolmentcode",
        "accounts.add_enrolmentcode",
    ],
    "Compliance reviewer": [
        "auth.view_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accesslog",
        "accounts.view_staffevent",
        "accounts.view_accesschange",
        "accounts.view_enrolmentcode",
    ],
}
