"""Distances on the ground, for a check-in measured against the visit's address."""

from __future__ import annotations

from decimal import Decimal
import math

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)


def distance_m(lat1, lon1, lat2, lon2) -> int:
    """The great-circle distance in whole metres between two points in decimal degrees
    (haversine: well within a metre at the scale of a street)."""
    φ1, φ2 = math.radians(float(lat1)), math.radians(float(lat2))
    dφ, dλ = φ2 - φ1, math.radians(float(lon2) - float(lon1))
    a = math.sin(dφ / 2) ** 2 + math.cos(φ1) * math.cos(φ2) * math.sin(dλ / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def degrees(value, largest: int) -> Decimal | None:
    """``value`` as decimal degrees within ±``largest``, to six places (about 10 cm), or None."""
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    if not number.is_finite() or abs(number) > largest:
        return None
    return number.quantize(Decimal("0.000001"))
