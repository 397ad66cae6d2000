"""Teams: which supervisor leads each collector, and which new cases the collector takes
(languages, regions, policy profiles). Allocation reads these (cases/services/allocation.py);
the workload page and a supervisor's access to their team's intensity charts read the
team (cases/selectors.py ``team_of``, ``supervises``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policy.codes import ProfileCode

from .borrowers import Language


def comma_list(value: str, *, lower: bool = False) -> frozenset[str]:
    """The items of a comma-separated field, trimmed (and lower-cased: regions)."""
    items = (item.strip() for item in (value or "").split(","))
    return frozenset(item.lower() if lower else item for item in items if item)


class TeamMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_member", verbose_name=_("user")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="team_members",
        limit_choices_to={"groups__name": "Supervisor", "is_active": True},
        help_text=_("The supervisor who leads this person's team."),
        verbose_name=_("supervisor"),
    )
    languages = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Borrower languages this collector takes, comma-separated codes (zh-hans, en); empty: any."),
        verbose_name=_("languages"),
    )
    regions = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Regions this collector takes, comma-separated (e.g. Shanghai, Beijing); empty: any."),
        verbose_name=_("regions"),
    )
    profiles = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("Policy profiles this collector takes, comma-separated codes (CN, US-REGF…); empty: any."),
        verbose_name=_("policy profiles"),
    )
    takes_new_cases = models.BooleanField(
        default=True,
        help_text=_("Untick to stop new cases being allocated to this collector (leave, training)."),
        verbose_name=_("takes new cases"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["supervisor_id", "user_id"]
        permissions = [("view_workload", _("Can see the collectors' workload"))]

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()

    def clean(self):
        unknown = {
            "languages": comma_list(self.languages) - set(Language.values),
            "profiles": comma_list(self.profiles) - set(ProfileCode.values),
        }
        errors = {
            field: _("Unknown codes: %(codes)s.") % {"codes": ", ".join(sorted(codes))}
            for field, codes in unknown.items()
            if codes
        }
        if errors:
            raise ValidationError(errors)

    def takes(self, *, language: str, region: str, profile: str) -> bool:
        """Whether a case of this borrower language, region and policy profile may be
        allocated to this collector (an empty list takes any)."""
        languages, regions, profiles = self.rules()
        return (
            (not languages or language in languages)
            and (not regions or (region or "").strip().lower() in regions)
            and (not profiles or profile in profiles)
        )

    def rules(self) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        return comma_list(self.languages), comma_list(self.regions, lower=True), comma_list(self.profiles)
