"""Powers change with two administrators: a role given or taken away, or a person's
authenticator removed, is asked for by one (``request_access_change``) and applied only
when another approves it (``approve_access_change``). Nobody asks for, or approves, a
change to their own account, and whoever asked cannot approve. One administrator alone
can therefore neither make themselves a compliance reviewer (and approve their own
message templates) nor take over someone's sign-in by removing their authenticator.

Every step is audited: the request has history, the applied role change is in the
person's history, and each request, decision and applied change is a StaffEvent, all
sealed in the audit ledger. The person is told of each (accounts/notices.py).
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.ledger import audited_atomic
from core.exceptions import NotPermitted, ServiceError

from . import notices, staff_events
from .models import AccessChange, StaffEvent

Change = AccessChange.Kind


class AccessChangeRefused(ServiceError):
    """The change was not asked for, approved or turned down; nothing changed."""


def _require(user, perm: str, what: str) -> None:
    if user is None or not user.is_active or not user.has_perm(perm):
        raise NotPermitted(_("You may not %(what)s.") % {"what": what})


def _facts(change: AccessChange) -> dict:
    return {"change": change.kind, "role": change.role.name if change.role_id else ""}


@audited_atomic
def request_access_change(user, kind: str, *, by, reason: str, role=None) -> AccessChange:
    """Ask for ``kind`` (AccessChange.Kind) on ``user``'s account; a second administrator
    approves it before anything changes."""
    _require(by, "accounts.add_accesschange", _("ask for role or authenticator changes"))
    if user.pk == by.pk:
        raise NotPermitted(_("Nobody changes their own roles or authenticator: another administrator asks for it."))
    reason = (reason or "").strip()
    if not reason:
        raise AccessChangeRefused(_("Say why the change is needed."))
    person = user.get_username()
    if kind in (Change.GRANT_ROLE, Change.REVOKE_ROLE):
        if role is None:
            raise AccessChangeRefused(_("Choose the role."))
        holds = user.groups.filter(pk=role.pk).exists()
        if kind == Change.GRANT_ROLE and holds:
            raise AccessChangeRefused(_("%(person)s already has that role.") % {"person": person})
        if kind == Change.REVOKE_ROLE and not holds:
            raise AccessChangeRefused(_("%(person)s does not have that role.") % {"person": person})
    elif kind == Change.REMOVE_DEVICE:
        role = None
        if not TOTPDevice.objects.filter(user=user).exists():
            raise AccessChangeRefused(_("%(person)s has no authenticator.") % {"person": person})
    else:
        raise AccessChangeRefused(_("Choose what to change."))
    if AccessChange.objects.filter(user=user, kind=kind, role=role, state=AccessChange.State.PENDING).exists():
        raise AccessChangeRefused(_("The same change is already waiting for a second administrator."))
    change = AccessChange(user=user, kind=kind, role=role, reason=reason, requested_by=by)
    change._history_user = by
    change.save()
    staff_events.record(user, StaffEvent.Kind.CHANGE_REQUESTED, by=by, request=change.pk, **_facts(change))
    notices.notify(user, StaffEvent.Kind.CHANGE_REQUESTED, by=by, **_facts(change))
    return change


def _pending(change: AccessChange, by) -> AccessChange:
    change = (
        AccessChange.objects.select_for_update(of=("self",))
        .select_related("user", "role", "requested_by")
        .get(pk=change.pk)
    )
    if change.state != AccessChange.State.PENDING:
        raise AccessChangeRefused(_("This request was already decided."))
    if by.pk == change.user_id:
        raise NotPermitted(_("Nobody decides a change to their own roles or authenticator."))
    return change


def _decide(change: AccessChange, state: str, by) -> None:
    change.state = state
    change.decided_by = by
    change.decided_at = timezone.now()
    change._history_user = by
    change._change_reason = state
    change.save(update_fields=["state", "decided_by", "decided_at"])


@audited_atomic
def approve_access_change(change: AccessChange, *, by) -> AccessChange:
    """The second administrator approves: the change is applied now."""
    _require(by, "accounts.approve_accesschange", _("approve role or authenticator changes"))
    change = _pending(change, by)
    if by.pk == change.requested_by_id:
        raise NotPermitted(_("A change must be approved by another administrator than the one who asked for it."))
    _decide(change, AccessChange.State.APPLIED, by)
    asked = notices.person_name(change.requested_by)
    staff_events.record(
        change.user, StaffEvent.Kind.CHANGE_APPROVED, by=by, request=change.pk, requested_by=asked, **_facts(change)
    )
    _apply(change, by, asked)
    return change


def _apply(change: AccessChange, by, asked: str) -> None:
    user = change.user
    if change.kind == Change.REMOVE_DEVICE:
        for device in TOTPDevice.objects.filter(user=user):
            device._staff_actor = by  # the DEVICE_REMOVED event names the approver
            device.delete()
        notices.notify(user, StaffEvent.Kind.DEVICE_REMOVED, by=by, requested_by=asked)
        return
    user._history_user = by
    user._change_reason = f"role change {change.pk} approved"
    if change.kind == Change.GRANT_ROLE:
        user.groups.add(change.role)
        kind = StaffEvent.Kind.ROLE_GRANTED
    else:
        user.groups.remove(change.role)
        kind = StaffEvent.Kind.ROLE_REVOKED
    staff_events.record(user, kind, by=by, request=change.pk, role=change.role.name, requested_by=asked)
    notices.notify(user, kind, by=by, role=change.role.name, requested_by=asked)


@audited_atomic
def reject_access_change(change: AccessChange, *, by) -> AccessChange:
    """Turn the request down (whoever asked may also withdraw it this way)."""
    if not by.has_perm("accounts.approve_accesschange"):
        _require(by, "accounts.add_accesschange", _("turn down role or authenticator changes"))
        if by.pk != change.requested_by_id:
            raise NotPermitted(_("You may withdraw only your own requests."))
    change = _pending(change, by)
    _decide(change, AccessChange.State.REJECTED, by)
    staff_events.record(change.user, StaffEvent.Kind.CHANGE_REJECTED, by=by, request=change.pk, **_facts(change))
    notices.notify(change.user, StaffEvent.Kind.CHANGE_REJECTED, by=by, **_facts(change))
    return change
