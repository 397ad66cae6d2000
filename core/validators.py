"""Field validators shared by every app."""

from functools import lru_cache
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@lru_cache(maxsize=1)
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value and value not in known_time_zones():
        raise ValidationError(
            _("%(value)r is not an IANA time zone (e.g. Asia/Shanghai, America/New_York).") % {"value": value}
        )


def validate_time_zone_list(value: str) -> None:
    for zone in value.split():
        validate_time_zone(zone)
