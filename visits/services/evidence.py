"""
What a check-in carries as evidence: the phone's position (taken with the agent's
consent, with its accuracy and the moment it was taken) or why there is none, and an
optional photo. Read from the check-in form by ``from_post`` and checked here, so a
malformed position is refused with a sentence instead of being stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ..geo import degrees, distance_m
from ..models import FieldVisit, NoLocation
from .workflow import VisitRefused

# A position the phone took long before (or, by its clock, after) the check-in is kept,
# but its moment is what it is: only a plausible one is stored as "taken at".
PLAUSIBLE_AGE = timedelta(minutes=30)


class EvidenceRefused(VisitRefused):
    """The check-in's evidence cannot be stored as sent (``field`` names which part)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Position:
    latitude: object
    longitude: object
    accuracy_m: int | None = None
    taken_at: datetime | None = None


@dataclass(frozen=True)
class CheckInEvidence:
    position: Position | None = None
    no_location: str = NoLocation.NOT_SENT  # why there is no position (a NoLocation code)
    photo: object = None  # an uploaded image, or None

    @classmethod
    def from_post(cls, data, files) -> CheckInEvidence:
        """The check-in form's fields (visits/static/visits/checkin.js fills them): a
        position, or the browser's reason for having none."""
        photo = files.get("photo") or None
        if data.get("latitude") or data.get("longitude"):
            accuracy = data.get("accuracy") or ""
            taken = data.get("located_at") or ""
            try:
                accuracy_m = round(float(accuracy)) if accuracy else None
                taken_at = datetime.fromtimestamp(int(taken) / 1000, tz=UTC) if taken else None
            except (ValueError, OverflowError, OSError):
                raise EvidenceRefused(
                    _("The phone's position came with an unreadable accuracy or time."), "position"
                ) from None
            position = Position(data.get("latitude"), data.get("longitude"), accuracy_m, taken_at)
            return cls(position=position, no_location="", photo=photo)
        reason = data.get("no_location") or NoLocation.NOT_SENT
        return cls(no_location=reason if reason in NoLocation.values else NoLocation.NOT_SENT, photo=photo)


def fields(visit: FieldVisit, evidence: CheckInEvidence) -> dict:
    """The check-in's evidence as the visit's field values: the photo (checked by content
    and size), the position and when it was taken or why there is none, and the distance
    from the address when the address has coordinates, flagged when it is far: farther
    than the allowed distance plus the position's own stated accuracy."""
    values = {}
    if evidence.photo is not None:
        try:
            FieldVisit._meta.get_field("check_in_photo").check_file(evidence.photo)
        except ValidationError as refusal:
            raise EvidenceRefused(" ".join(refusal.messages), "photo") from None
        values["check_in_photo"] = evidence.photo
    position = evidence.position
    if position is None:
        return {**values, "check_in_no_location": evidence.no_location or NoLocation.NOT_SENT}
    latitude, longitude = degrees(position.latitude, 90), degrees(position.longitude, 180)
    if latitude is None or longitude is None:
        raise EvidenceRefused(_("The phone's position is not a place on Earth; try checking in again."), "position")
    if position.accuracy_m is not None and position.accuracy_m < 0:
        raise EvidenceRefused(_("The phone's position came with an unreadable accuracy or time."), "position")
    now = timezone.now()
    taken_at = position.taken_at
    if taken_at is not None and not (now - PLAUSIBLE_AGE <= taken_at <= now + timedelta(minutes=5)):
        taken_at = None
    values.update(
        check_in_latitude=latitude,
        check_in_longitude=longitude,
        check_in_accuracy_m=position.accuracy_m,
        check_in_located_at=taken_at if position.taken_at is not None else now,
        check_in_no_location="",
    )
    if visit.address_latitude is not None and visit.address_longitude is not None:
        distance = distance_m(latitude, longitude, visit.address_latitude, visit.address_longitude)
        values["check_in_distance_m"] = distance
        values["check_in_far"] = distance - (position.accuracy_m or 0) > settings.VISIT_FAR_CHECK_IN_METRES
    return values
