"""Named refusals of the cases services. Each carries a sentence a person can read."""

from core.exceptions import NotPermitted, ServiceError  # noqa: F401  (NotPermitted: one class for every app)


class CaseServiceError(ServiceError):
    """Base for every refusal raised by cases.services."""


class TransitionRefused(CaseServiceError):
    """The transition is impossible from this state, or one of its guards failed."""

    def __init__(self, message: str, failed_guards=()):
        super().__init__(message)
        self.failed_guards = list(failed_guards)


class CaseChangedConcurrently(CaseServiceError):
    pass


class CaseAlreadyOpen(CaseServiceError):
    pass


class InvalidPayment(CaseServiceError):
    pass


class PaymentConflict(CaseServiceError):
    """The same payment reference arrived again with different details."""


class HoldError(CaseServiceError):
    pass


class PromiseError(CaseServiceError):
    pass


class PlanError(CaseServiceError):
    pass


class ForbearanceError(CaseServiceError):
    """A forbearance assessment that cannot be recorded as given; ``field`` names the
    form field at fault (None: the assessment as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AcknowledgementError(CaseServiceError):
    pass


class InvalidCharge(CaseServiceError):
    pass


class DefaultChargeCapExceeded(InvalidCharge):
    """The charge would take the account's default charges over its profile's cap."""


class AssignmentError(CaseServiceError):
    """A bulk assignment refused as a whole (no reason given, a collector who is not one)."""


class ReasonRequired(AssignmentError):
    pass


class ClosedCasesRefused(AssignmentError):
    """Some of the cases to assign are closed; ``count`` says how many."""

    def __init__(self, message: str, count: int):
        super().__init__(message)
        self.count = count
