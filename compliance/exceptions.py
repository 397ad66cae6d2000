"""Named refusals of the compliance services. They extend the one base class of refusals,
so the admin's ServiceForm shows them on the form like any other refusal."""

from core.exceptions import ServiceError


class ComplianceError(ServiceError):
    """Base for every refusal raised by compliance.services."""


class FindingError(ComplianceError):
    pass


class ComplaintError(ComplianceError):
    pass


class SampleError(ComplianceError):
    pass
