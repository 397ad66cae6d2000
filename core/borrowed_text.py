"""Words of Django and of the libraries we use that their own catalogues do not translate
into Chinese (Django 5.2's new admin table captions; django-axes and django-otp ship no
Chinese at all). Marked here so ``makemessages`` keeps them in our catalogue, which Django
consults first: the lockout pages and the admin index then read as one language.

Only strings a person can meet on a page belong here; each is checked by the crawl test.
"""

from django.utils.translation import gettext_noop

BORROWED = [
    # django.contrib.admin (5.2): the index's table captions, the add-user page.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Error:"),
    # django-axes: its models, fields, columns and messages.
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Cleaned up {count} expired access attempts."),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    # django-otp: the token form's messages.
    gettext_noop("Please enter your OTP token."),
    gettext_noop("Invalid token. Please make sure you have entered it correctly."),
    gettext_noop("Verification of the token is currently disabled"),
    gettext_noop("Please select a device."),
]
