"""The desk's in-place forms. Each states its money in the account's currency and hands
its data to a domain service, which holds the rules; a refusal comes back as a form error
on the field it concerns."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import ContactPoint, Hold
from cases.plan_text import PlanInterval
from policy.codes import BORROWER_REACHED, Channel, Outcome

# Outcomes in the order a collector meets them, each with its access key (Alt+key). The
# keys are the first letter where it is free, so they can be learnt, in both languages.
OUTCOME_KEYS = {
    Outcome.NO_ANSWER: "n",
    Outcome.BUSY: "b",
    Outcome.VOICEMAIL: "v",
    Outcome.RIGHT_PARTY: "r",
    Outcome.PROMISE_TO_PAY: "p",
    Outcome.CALLBACK: "c",
    Outcome.REFUSED_TO_PAY: "u",
    Outcome.DISPUTES_DEBT: "d",
    Outcome.HARDSHIP: "h",
    Outcome.REQUESTS_CEASE: "s",
    Outcome.THIRD_PARTY: "t",
    Outcome.WRONG_NUMBER: "w",
    Outcome.SENT: "m",
}
# What each outcome asks for next on the desk: the form that follows opens with the call's note.
FOLLOW_UP = {
    Outcome.PROMISE_TO_PAY: "promise",
    Outcome.HARDSHIP: "hold",
    Outcome.DISPUTES_DEBT: "hold",
    Outcome.REQUESTS_CEASE: "hold",
}
FOLLOW_UP_HOLD_KIND = {
    Outcome.HARDSHIP: Hold.Kind.HARDSHIP,
    Outcome.DISPUTES_DEBT: Hold.Kind.DISPUTE,
    Outcome.REQUESTS_CEASE: Hold.Kind.CEASE_COMMUNICATION,
}
CONTACT_CHANNELS = {
    "phone": [Channel.PHONE_CALL, Channel.SMS],
    "email": [Channel.EMAIL],
    "postal": [Channel.LETTER],
    "social": [Channel.SOCIAL],
}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def route_choices(points, show_point) -> list[tuple[str, str]]:
    """Every way to reach the borrower: (channel, contact point) pairs, phone calls first."""
    choices = []
    for channel in CONTACT_CHANNELS["phone"] + [Channel.EMAIL, Channel.LETTER, Channel.SOCIAL]:
        for point in points:
            if channel in CONTACT_CHANNELS.get(point.kind, ()):
                label = f"{Channel(channel).label} · {show_point(point)}"
                if point.owner == ContactPoint.Owner.THIRD_PARTY:
                    label += f" · {_('third party')}"
                choices.append((f"{channel}:{point.pk}", label))
    return choices


class LogCallForm(forms.Form):
    """Outcome first; the route (channel and contact point) comes preselected."""

    outcome = forms.ChoiceField(label=_("What happened"), widget=forms.RadioSelect)
    route = forms.ChoiceField(label=_("Through"))
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        help_text=_("In the borrower's time. The rules check it now; a refused time is offered the next allowed one."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label=_("Override reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Supervisors only, and only for refusals the profile lets them override."),
    )

    def __init__(self, *args, points, show_point, zone, can_override, preselect=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.points = {point.pk: point for point in points}
        self.fields["outcome"].choices = [(o.value, o.label) for o in OUTCOME_KEYS]
        self.fields["route"].choices = route_choices(points, show_point)
        if preselect and not self.is_bound:
            self.initial["route"] = preselect
        if not can_override:
            del self.fields["override_reason"]

    def outcome_keys(self):
        return [(value, label, OUTCOME_KEYS[Outcome(value)]) for value, label in self.fields["outcome"].choices]

    def clean_callback_at(self):
        value = self.cleaned_data.get("callback_at")
        offered = self.data.get("offered_callback", "")
        if offered:  # one of the allowed times the desk offered after a refusal
            try:
                value = datetime.strptime(offered, LOCAL_INPUT)
            except ValueError:
                raise forms.ValidationError(_("That offered time is not a date and time.")) from None
        # Typed in the borrower's zone: that is the time the borrower asked for.
        return value.replace(tzinfo=None).replace(tzinfo=self.zone) if value else None

    def clean(self):
        data = super().clean()
        route = data.get("route")
        if route:
            channel, point_id = route.split(":")
            data["channel"], data["contact_point"] = channel, self.points[int(point_id)]
        outcome = data.get("outcome")
        if outcome == Outcome.CALLBACK and not data.get("callback_at"):
            self.add_error("callback_at", _("Say when the borrower asked to be called back."))
        if outcome and outcome != Outcome.CALLBACK:
            data["callback_at"] = None
        # A conversation is implied by the outcomes that mean the borrower was reached.
        data["conversation"] = data.get("channel") == Channel.PHONE_CALL and outcome in BORROWER_REACHED
        return data


class PromiseForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    due_date = forms.DateField(label=_("Pay by"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    """A schedule builder: the balance (or a part of it) in equal instalments."""

    total = forms.DecimalField(label=_("Total to repay"), max_digits=14, decimal_places=2, min_value=0)
    count = forms.IntegerField(label=_("Instalments"), min_value=1, max_value=120)
    first_due = forms.DateField(label=_("First instalment due"), widget=forms.DateInput(attrs={"type": "date"}))
    every = forms.ChoiceField(label=_("Then"), choices=PlanInterval.choices, initial=PlanInterval.MONTHLY)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HoldForm(forms.Form):
    kind = forms.ChoiceField(label=_("Why collection stops"), choices=Hold.Kind.choices)
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty when the end is not known (the profile's default applies to a breathing space)."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("Evidence"), required=False)

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean_until(self):
        day = self.cleaned_data.get("until")
        # The hold lasts to the end of that day in the borrower's zone.
        return datetime.combine(day, time(23, 59), tzinfo=self.zone) if day else None


class StepForm(forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def borrower_now(zone) -> str:
    return timezone.now().astimezone(zone).strftime(LOCAL_INPUT)
