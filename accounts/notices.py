"""Telling people what was done to their account: an authenticator added or removed, a
role asked for, given or taken away, an enrolment code issued for them.

``notify`` stores a StaffNotice and, once the transaction has committed, e-mails the
sentence through Django's EMAIL_BACKEND when the person has an address. ``deliver`` shows
a person's notices as messages on the next page they open in any session other than the
one that caused them (that one was told already, and an intruder's session must not use
the warning up). A notice counts as shown once it appeared past the second factor; on the
two-factor pages it is shown every time (someone locked out by a device they never added
learns why there) without being used up by whoever knows the password.
"""

from datetime import datetime
from functools import partial
import logging
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import AccessChange, StaffEvent, StaffNotice

logger = logging.getLogger(__name__)

SESSION_MARK = "accounts.session_mark"
# At most this many notices on one page; the rest follow on the next.
PER_PAGE = 5

# The role names as people read them (the groups are named in English, core/roles.py).
ROLE_NAMES = [
    gettext_noop("Collector"),
    gettext_noop("Field agent"),
    gettext_noop("Supervisor"),
    gettext_noop("Compliance reviewer"),
    gettext_noop("Administrator"),
]

Kind = StaffEvent.Kind
Change = AccessChange.Kind


def person_name(user) -> str:
    if user is None:
        return _("the operator of the site")
    return user.get_full_name() or user.get_username()


def session_mark(session) -> str:
    """A random mark of this session (kept when the session key is cycled), never its key."""
    mark = session.get(SESSION_MARK)
    if not mark:
        mark = session[SESSION_MARK] = secrets.token_hex(8)
    return mark


def notify(user, kind: str, *, by=None, origin_session: str = "", **details) -> StaffNotice:
    """Tell ``user`` that ``kind`` happened, done by ``by``. ``details`` are plain values
    (role and people's names as they stood, times as ISO strings)."""
    notice = StaffNotice.objects.create(
        user=user, kind=kind, details={"by": person_name(by), **details}, origin_session=origin_session
    )
    if user.email:
        transaction.on_commit(partial(_send_email, notice.pk), robust=True)
    return notice


def _send_email(notice_pk: int) -> None:
    notice = StaffNotice.objects.select_related("user").get(pk=notice_pk)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your sign-in security: %(what)s") % {"what": Kind(notice.kind).label}
        body = "\n\n".join(
            [
                sentence(notice),
                _("If you did not expect this, tell an administrator or your supervisor at once."),
            ]
        )
    send_mail(subject, body, None, [notice.user.email])


def deliver(request, *, mark_shown: bool) -> None:
    """Show the signed-in person's notices on this page (see the module's docstring)."""
    pending = StaffNotice.objects.filter(user=request.user, shown_at=None)
    mark = request.session.get(SESSION_MARK)
    if mark:
        pending = pending.exclude(origin_session=mark)
    pending = list(pending.order_by("pk")[:PER_PAGE])
    if not pending:
        return
    for notice in pending:
        messages.warning(request, sentence(notice), fail_silently=True)
    if mark_shown:
        StaffNotice.objects.filter(pk__in=[notice.pk for notice in pending]).update(shown_at=timezone.now())


# --- the sentences, in the reader's language ----------------------------------------------------


def _when(value) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def sentence(notice: StaffNotice) -> str:
    details = notice.details
    words = {
        "when": _when(notice.created_at),
        "by": details.get("by", ""),
        "requested_by": details.get("requested_by", ""),
        "role": _(details["role"]) if details.get("role") else "",
        "until": _when(details["until"]) if details.get("until") else "",
        "what": Kind(notice.kind).label,
    }
    kind, change = notice.kind, details.get("change")
    if kind == Kind.DEVICE_CONFIRMED:
        text = _(
            "An authenticator app was added to your account on %(when)s; every sign-in now asks for its code. "
            "If that was not you, tell an administrator at once."
        )
    elif kind == Kind.DEVICE_REMOVED:
        text = _(
            "Your authenticator was removed on %(when)s, asked for by %(requested_by)s and approved by %(by)s. "
            "You set up a new one at your next sign-in."
        )
    elif kind == Kind.ENROLMENT_CODE_ISSUED:
        text = _(
            "%(by)s issued an enrolment code for your account on %(when)s: it sets up one authenticator, "
            "once, until %(until)s."
        )
    elif kind == Kind.ROLE_GRANTED:
        text = _("You were given the role %(role)s on %(when)s, asked for by %(requested_by)s and approved by %(by)s.")
    elif kind == Kind.ROLE_REVOKED:
        text = _(
            "The role %(role)s was taken away from you on %(when)s, asked for by %(requested_by)s "
            "and approved by %(by)s."
        )
    elif kind == Kind.CHANGE_REQUESTED:
        text = {
            Change.GRANT_ROLE: _(
                "%(by)s asked on %(when)s to give you the role %(role)s; "
                "it takes effect only when another administrator approves."
            ),
            Change.REVOKE_ROLE: _(
                "%(by)s asked on %(when)s to take the role %(role)s away from you; "
                "it takes effect only when another administrator approves."
            ),
            Change.REMOVE_DEVICE: _(
                "%(by)s asked on %(when)s to remove your authenticator; "
                "it is removed only when another administrator approves."
            ),
        }[change]
    elif kind == Kind.CHANGE_REJECTED:
        text = {
            Change.GRANT_ROLE: _("%(by)s turned down the request to give you the role %(role)s (%(when)s)."),
            Change.REVOKE_ROLE: _("%(by)s turned down the request to take the role %(role)s away from you (%(when)s)."),
            Change.REMOVE_DEVICE: _("%(by)s turned down the request to remove your authenticator (%(when)s)."),
        }[change]
    else:
        text = _("%(what)s (%(when)s).")
    return text % words
