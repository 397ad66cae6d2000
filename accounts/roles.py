"""What the roles may do with sign-in security (merged by core.roles), and with staff users.

Administrators unlock a locked-out sign-in (delete the axes attempt) and remove a lost
authenticator so its owner enrols a new one; they never see a device's secret.
Compliance reviewers read the sign-in records and the staff security events.
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
        "otp_totp.delete_totpdevice",
        "accounts.view_staffevent",
    ],
    "Compliance reviewer": [
        "auth.view_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accesslog",
        "accounts.view_staffevent",
    ],
}
