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
