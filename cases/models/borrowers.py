"""The borrower and the contact points that reach them (phones in E.164)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
import phonenumbers
from phonenumbers import timezone as phone_zones
from simple_history.models import HistoricalRecords

from core.masking import mask_email, mask_national_id, mask_phone, mask_text
from core.validators import known_time_zones, validate_time_zone
from policy.codes import ProfileCode


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


# Region used to read a phone number written without its country code.
PROFILE_PHONE_REGION = {"CN": "CN", "US-REGF": "US", "US-MA": "US", "UK-FCA": "GB"}


class Borrower(models.Model):
    full_name = models.CharField(max_length=200, db_index=True, verbose_name=_("full name"))
    # Stored in full, shown masked to every role without cases.view_full_national_id.
    national_id = models.CharField(max_length=32, blank=True, verbose_name=_("national ID"))
    date_of_birth = models.DateField(null=True, blank=True, verbose_name=_("date of birth"))
    home_time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_(
            "IANA zone. Leave blank when unknown: contact is then allowed only when "
            "allowed in every zone the contact points suggest."
        ),
        verbose_name=_("home time zone"),
    )
    language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ZH_HANS, verbose_name=_("language")
    )
    vulnerable = models.BooleanField(
        default=False,
        help_text=_("Specialist handling: no automatic escalation, no field visits where the profile says so."),
        verbose_name=_("vulnerable"),
    )
    vulnerability_note = models.TextField(blank=True, verbose_name=_("vulnerability note"))
    policy_profile_code = models.CharField(
        max_length=16, choices=ProfileCode.choices, default=ProfileCode.CN, verbose_name=_("policy profile code")
    )
    region = models.CharField(
        max_length=100, blank=True, help_text=_("Province/state or city, for field coverage."), verbose_name=_("region")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("borrower")
        verbose_name_plural = _("borrowers")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="borrower_national_id_unique"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def national_id_masked(self) -> str:
        return mask_national_id(self.national_id)


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        POSTAL = "postal", _("Postal address")
        SOCIAL = "social", _("Social account (private messages)")

    class Owner(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        THIRD_PARTY = "third_party", _("Third party")

    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="contact_points", verbose_name=_("borrower")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    value = models.CharField(
        max_length=255, help_text=_("Phones are stored in E.164 (+8613812345678)."), verbose_name=_("value")
    )
    label = models.CharField(
        max_length=50, blank=True, help_text=_("mobile, home, work, WeChat…"), verbose_name=_("label")
    )
    owner = models.CharField(max_length=12, choices=Owner.choices, default=Owner.BORROWER, verbose_name=_("owner"))
    third_party_relation = models.CharField(max_length=50, blank=True, verbose_name=_("third party relation"))
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Zone this point suggests (from the phone number's area where it has one)."),
        verbose_name=_("time zone"),
    )
    is_verified = models.BooleanField(default=False, verbose_name=_("is verified"))
    is_primary = models.BooleanField(default=False, verbose_name=_("is primary"))
    is_workplace = models.BooleanField(
        default=False,
        help_text=_("A work number, not a personal one (US-MA counts these apart)."),
        verbose_name=_("is workplace"),
    )
    is_invalid = models.BooleanField(
        default=False, help_text=_("e.g. number no longer in service"), verbose_name=_("is invalid")
    )
    invalid_since = models.DateTimeField(null=True, blank=True, verbose_name=_("invalid since"))
    opted_out = models.BooleanField(
        default=False, help_text=_("The borrower asked not to be contacted here."), verbose_name=_("opted out")
    )
    opted_out_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opted out at"))
    # A postal address's position, when the lender's feed carries one (nothing here
    # geocodes): a field visit's check-in is measured against it.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("longitude"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["borrower", "-is_primary", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["borrower", "kind", "value"], name="contact_point_unique_value"),
            models.UniqueConstraint(
                fields=["borrower", "kind"], condition=Q(is_primary=True), name="contact_point_one_primary_per_kind"
            ),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="contact_point_lookup")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.masked_value}"

    def clean(self):
        super().clean()
        if self.kind == self.Kind.PHONE:
            region = (
                PROFILE_PHONE_REGION.get(getattr(self.borrower, "policy_profile_code", ""), "CN")
                if self.borrower_id
                else "CN"
            )
            self.value, suggested_zone = normalise_phone(self.value, region)
            if not self.time_zone and suggested_zone:
                self.time_zone = suggested_zone
        elif self.kind == self.Kind.EMAIL:
            self.value = self.value.strip().lower()
            try:
                validate_email(self.value)
            except ValidationError:
                raise ValidationError({"value": _("Enter a valid email address.")}) from None
        if self.owner == self.Owner.THIRD_PARTY and not self.third_party_relation:
            raise ValidationError({"third_party_relation": _("Say who the third party is (spouse, employer…).")})

    @property
    def masked_value(self) -> str:
        if self.kind == self.Kind.PHONE:
            return mask_phone(self.value)
        if self.kind == self.Kind.EMAIL:
            return mask_email(self.value)
        return mask_text(self.value)


def normalise_phone(raw: str, region: str) -> tuple[str, str]:
    """(E.164 number, the single time zone its area suggests or "").

    Raises ValidationError naming the problem when the number is not a valid one.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({"value": _("Not a phone number: %(error)s.") % {"error": exc}}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            {
                "value": _("%(number)s is not a valid phone number for %(region)s or its own country code.")
                % {"number": raw, "region": region}
            }
        )
    zones = [z for z in phone_zones.time_zones_for_number(number) if z in known_time_zones()]
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), (
        zones[0] if len(zones) == 1 else ""
    )
