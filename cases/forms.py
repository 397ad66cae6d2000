from django import forms
from django.utils.translation import gettext_lazy


class TransitionReasonForm(forms.Form):
    """Asked before transitions that need a written justification (legal, settle, write-off)."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        help_text=gettext_lazy("Recorded with the transition and shown to compliance reviewers."),
    )
