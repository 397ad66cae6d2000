from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        min_length=6,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the digits your authenticator app shows."))
        return token


class EnrolForm(TokenForm):
    """The enrolment page: the password again, the code of the new authenticator, and
    either a code of the current one or, for roles that must use two-factor sign-in, the
    enrolment code an administrator issued (accounts/enrolment.py)."""

    password = forms.CharField(
        label=_("Your password, once more"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    current_token = forms.CharField(
        label=_("Code from your current authenticator"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )
    enrolment_code = forms.CharField(
        label=_("Enrolment code from your administrator"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 22}),
    )

    field_order = ["password", "current_token", "enrolment_code", "token"]

    def __init__(self, *args, needs_current_token=False, needs_enrolment_code=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].label = _("Code the new authenticator shows")
        self.fields["token"].widget.attrs.pop("autofocus", None)
        self.fields["password"].widget.attrs["autofocus"] = True
        if not needs_current_token:
            del self.fields["current_token"]
        if not needs_enrolment_code:
            del self.fields["enrolment_code"]

    def clean_current_token(self):
        return self.cleaned_data["current_token"].replace(" ", "")
