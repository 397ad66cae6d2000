"""
Admin for teams: which supervisor leads each collector and which new cases the collector
takes (the allocation rule reads these). Administrators keep them; supervisors and
reviewers may look.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.adminkit import HistoryAdmin
from policy.codes import ProfileCode

from ..models import Language, TeamMember
from ..models.team import comma_list


class CommaChoicesField(forms.MultipleChoiceField):
    """Ticked codes, kept as the model keeps them: comma-separated ("" = any)."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        return sorted(comma_list(value)) if isinstance(value, str) else value

    def clean(self, value):
        return ", ".join(super().clean(value))


class TeamMemberForm(forms.ModelForm):
    languages = CommaChoicesField(
        choices=Language.choices,
        required=False,
        label=_("languages"),
        help_text=_("The borrower languages this collector takes; none ticked: any."),
    )
    profiles = CommaChoicesField(
        choices=ProfileCode.choices,
        required=False,
        label=_("policy profiles"),
        help_text=_("The policy profiles this collector takes; none ticked: any."),
    )

    class Meta:
        model = TeamMember
        fields = ["user", "supervisor", "languages", "regions", "profiles", "takes_new_cases"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


@admin.register(TeamMember)
class TeamMemberAdmin(HistoryAdmin):
    form = TeamMemberForm
    list_display = ["user", "supervisor", "languages_shown", "regions_shown", "profiles_shown", "takes_new_cases"]
    list_filter = ["supervisor", "takes_new_cases"]
    list_select_related = ["user", "supervisor"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "regions"]
    ordering = ["supervisor__username", "user__username"]

    @admin.display(description=_("languages"))
    def languages_shown(self, obj):
        labels = dict(Language.choices)
        return ", ".join(str(labels.get(code, code)) for code in sorted(comma_list(obj.languages))) or _("any")

    @admin.display(description=_("regions"))
    def regions_shown(self, obj):
        return obj.regions or _("any")

    @admin.display(description=_("policy profiles"))
    def profiles_shown(self, obj):
        labels = dict(ProfileCode.choices)
        return ", ".join(str(labels.get(code, code)) for code in sorted(comma_list(obj.profiles))) or _("any")
