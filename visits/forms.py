from datetime import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.plan_text import PlanInterval

from .models import FieldAgent, FieldVisit, VisitOutcome
from .report_rules import problems


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


def _upload_field(model, name, label):
    """The model's protected file field as a form field: kinds and size checked by
    content, ``accept`` set for the phone's picker."""
    field = model._meta.get_field(name).formfield(label=label, required=False)
    field.widget = forms.FileInput(attrs=field.widget.attrs)
    return field


class ReportForm(forms.Form):
    """The visit report on the agent's phone: what happened first, then what that outcome
    calls for (visits/report_rules.py). Every field is optional on its own; the outcome
    decides what is required, and each missing item is shown beside its field."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("What happened at the door?"),
        choices=VisitOutcome.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    identity_verified = forms.BooleanField(label=gettext_lazy("I verified the borrower's identity"), required=False)
    identity_method = forms.CharField(
        label=gettext_lazy("How"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("ID card seen, face match…"),
    )
    willingness = forms.ChoiceField(
        label=gettext_lazy("Willingness to pay"),
        choices=FieldVisit.Willingness.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    ability = forms.ChoiceField(
        label=gettext_lazy("Ability to pay"),
        choices=FieldVisit.Ability.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    next_steps = forms.CharField(
        label=gettext_lazy("What the borrower was told happens next"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    promise_amount = forms.DecimalField(
        label=gettext_lazy("Promised amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    promise_due = forms.DateField(
        label=gettext_lazy("To be paid by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    plan_total = forms.DecimalField(
        label=gettext_lazy("Plan: total to repay"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}),
    )
    plan_count = forms.IntegerField(
        label=gettext_lazy("Plan: instalments"),
        required=False,
        min_value=1,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    plan_first_due = forms.DateField(
        label=gettext_lazy("Plan: first instalment due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    plan_every = forms.ChoiceField(
        label=gettext_lazy("Plan: then"), choices=PlanInterval.choices, initial=PlanInterval.MONTHLY, required=False
    )
    payment_reference = forms.CharField(
        label=gettext_lazy("Payment taken on the spot: its reference"), max_length=64, required=False
    )
    agreement_file = _upload_field(FieldVisit, "agreement_file", gettext_lazy("Signed agreement"))
    receipt_file = _upload_field(FieldVisit, "receipt_file", gettext_lazy("Receipt"))
    report_note = forms.CharField(
        label=gettext_lazy("What you saw and did"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    conduct_attested = forms.BooleanField(
        label=gettext_lazy("I attest that the visit was polite and lawful"), required=False
    )

    SECTIONS = {
        "door": ("outcome",),
        "met": ("identity_verified", "identity_method", "willingness", "ability", "next_steps"),
        "promise": ("promise_amount", "promise_due"),
        "plan": ("plan_total", "plan_count", "plan_first_due", "plan_every"),
        "paid": ("payment_reference", "receipt_file"),
        "signed": ("agreement_file",),
        "note": ("report_note",),
        "attest": ("conduct_attested",),
    }

    def __init__(self, *args, currency: str, draft=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency, self.draft = currency, draft
        for name in ("promise_amount", "plan_total"):
            self.fields[name].label = format_lazy(
                "{label} ({currency})", label=self.fields[name].label, currency=currency
            )
        today = timezone.localdate().isoformat()
        for name in ("promise_due", "plan_first_due"):
            self.fields[name].widget.attrs["min"] = today

    @property
    def section(self) -> dict:
        """The form's parts, each a list of its bound fields (the template lays them out)."""
        return {part: [self[name] for name in names] for part, names in self.SECTIONS.items()}

    @property
    def kept(self) -> dict:
        return {name: self.kept_file(name) for name in ("agreement_file", "receipt_file")}

    def kept_file(self, name):
        """The file the draft already holds for ``name`` (sent earlier), or None."""
        kept = getattr(self.draft, name, None) if self.draft is not None else None
        return kept or None

    def clean(self):
        data = super().clean()
        for name in ("agreement_file", "receipt_file"):
            if not data.get(name) and name not in self.errors and self.kept_file(name):
                data[name] = self.kept_file(name)
        self._pairs(data)
        for name, why in problems(data).items():
            if name not in self.errors:
                self.add_error(name, why)
        return data

    def _pairs(self, data):
        """A promise needs its amount and date; a plan its total, count and first date; not
        both at once. Only a field the agent left empty is named, never one they filled."""
        groups = {
            "promise": ("promise_amount", "promise_due"),
            "plan": ("plan_total", "plan_count", "plan_first_due"),
        }
        started = {
            group: any(data.get(name) or name in self.errors for name in names) for group, names in groups.items()
        }
        if started["promise"] and started["plan"]:
            self.add_error("plan_total", _("Agree either a promise or a plan, not both."))
            return
        for group, names in groups.items():
            if not started[group]:
                continue
            for name in names:
                if not data.get(name) and name not in self.errors and self.data.get(name, "") == "":
                    self.add_error(name, _("Needed too: fill it in or empty the other fields of this part."))
        if started["plan"] and not data.get("plan_every"):
            data["plan_every"] = PlanInterval.MONTHLY


class CheckInForm(forms.Form):
    """The photo a check-in may carry; the position fields are filled by the page's script
    (visits/static/visits/checkin.js) and read by CheckInEvidence.from_post."""

    photo = _upload_field(FieldVisit, "check_in_photo", gettext_lazy("Photo (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photo"].widget.attrs.update(accept="image/jpeg,image/png", capture="environment")


class VerifyForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label=gettext_lazy("Verification code"),
        help_text=gettext_lazy("The code on your visit notice, also shown by the visitor."),
    )
