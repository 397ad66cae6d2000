"""Named refusals of the compliance services. They extend the cases services' base class,
so the admin's ServiceForm shows them on the form like any other refusal."""
from cases.exceptions import CaseServiceError


class ComplianceError(CaseServiceError):
    """Base for every refusal raised by compliance.services."""


class FindingError(ComplianceError):
    pass


class ComplaintError(ComplianceError):
    pass


class SampleError(ComplianceError):
    pass
