"""The one base class of every service refusal in the project.

Views, admin forms and API handlers catch ``ServiceError`` and show its message (a
sentence a person can read); each app names its own refusals as subclasses.
"""


class ServiceError(Exception):
    """A service refused to do what it was asked; nothing was changed."""


class NotPermitted(ServiceError):
    """The acting user may not do this (checked in the service, not only in the page)."""
