from datetime import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import FieldAgent, FieldVisit


class RequestVisitForm(forms.Form):
    window_start = forms.DateTimeField(
        label=gettext_lazy("Window start"),
        help_text=gettext_lazy("Borrower-local date and time the window opens (YYYY-MM-DD HH:MM)."),
    )
    window_end = forms.DateTimeField(
        label=gettext_lazy("Window end"), help_text=gettext_lazy("When it closes (at most four hours later).")
    )
    address = forms.CharField(label=gettext_lazy("Address"), widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why remote contact is not enough (numbers changed, calls refused…)."),
    )
    exception_reason = forms.CharField(
        label=gettext_lazy("Exception reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "Supervisors only: the documented reason to visit although eligibility fails. Flagged for compliance."
        ),
    )

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def _aware(self, value: datetime) -> datetime:
        # Entered in the borrower's zone: that is what the notice tells them.
        return value.replace(tzinfo=self.zone)

    def clean(self):
        data = super().clean()
        for name in ("window_start", "window_end"):
            if data.get(name):
                data[name] = self._aware(data[name].replace(tzinfo=None))
        return data


class DecisionForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Agents"),
        queryset=FieldAgent.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agents"].queryset = FieldAgent.objects.filter(active=True).select_related("user")
        self.fields["agents"].initial = list(visit.agents.all())


class ReportForm(forms.ModelForm):
    promise_amount = forms.DecimalField(
        label=gettext_lazy("Promise amount"),
        required=False,
        min_value=0,
        decimal_places=2,
        help_text=gettext_lazy("If a promise to pay was agreed."),
    )
    promise_due = forms.DateField(label=gettext_lazy("Promise due"), required=False)

    class Meta:
        model = FieldVisit
        fields = [
            "identity_verified",
            "identity_method",
            "willingness",
            "ability",
            "next_steps",
            "conduct_attested",
            "payment_reference",
            "agreement_file",
            "receipt_file",
            "report_note",
        ]

    def clean(self):
        data = super().clean()
        if bool(data.get("promise_amount")) != bool(data.get("promise_due")):
            raise forms.ValidationError(_("A promise needs both its amount and its date."))
        return data


class VerifyForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label=gettext_lazy("Verification code"),
        help_text=gettext_lazy("The code on your visit notice, also shown by the visitor."),
    )
