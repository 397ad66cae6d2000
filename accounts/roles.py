"""What the roles may do with sign-in security (merged by cases.roles.all_role_permissions).

Administrators unlock a locked-out sign-in (delete the axes attempt) and remove a lost
authenticator so its owner enrols a new one; they never see a device's secret.
Compliance reviewers read the sign-in records.
"""

ROLE_PERMISSIONS = {
    "Administrator": [
        "axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog",
        "otp_totp.view_totpdevice", "otp_totp.delete_totpdevice",
    ],
    "Compliance reviewer": ["axes.view_accessattempt", "axes.view_accesslog"],
}
