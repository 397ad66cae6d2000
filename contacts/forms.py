from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import ContactPoint
from policy.codes import Channel, Outcome


class LogContactForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=[c for c in Channel.choices if c[0] != Channel.FIELD_VISIT]
    )
    contact_point = forms.ModelChoiceField(label=gettext_lazy("Contact point"), queryset=ContactPoint.objects.none())
    # Not needed to check the rules before dialling; clean() asks for it when saving.
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=[("", "—")] + Outcome.choices, required=False)
    conversation = forms.BooleanField(
        label=gettext_lazy("Conversation"),
        required=False,
        help_text=gettext_lazy("A real telephone conversation with the borrower."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    override_reason = forms.CharField(
        label=gettext_lazy("Override reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Supervisors only, and only for refusals the profile lets them override."),
    )

    def __init__(self, *args, case, show_point, can_override, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["contact_point"]
        field.queryset = ContactPoint.objects.filter(borrower_id=case.account.borrower_id)
        field.label_from_instance = lambda point: (
            f"{point.get_kind_display()} {show_point(point)}"
            + (f" ({point.label})" if point.label else "")
            + (f" · {_('third party')}" if point.owner == ContactPoint.Owner.THIRD_PARTY else "")
            + (f" · {_('invalid')}" if point.is_invalid else "")
            + (f" · {_('opted out')}" if point.opted_out else "")
        )
        if not can_override:
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        if "save" in self.data and not data.get("outcome"):
            self.add_error("outcome", _("Say what happened before saving."))
        return data
