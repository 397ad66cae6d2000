"""Staff pages for contact work: log a contact (checked before it is saved) and the
collector's work queue; and the providers' webhooks (delivery receipts, inbound
messages). Thin: the rules live in contacts.services, contacts.engine, contacts.receipts
and contacts.inbound."""

import logging

from django.contrib import admin, messages
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from audit.services import log_pii_access
from cases.admin import can_see_full_contact_details
from cases.models import CollectionCase
from cases.selectors import borrower_zone, case_timeline, visible_cases
from core.exceptions import ServiceError
from policy.codes import Outcome

from . import inbound, receipts, selectors, services, webhooks
from .engine import ContactRequestError
from .forms import LogContactForm

security_log = logging.getLogger("collections.security")


def _case_for(request, case_id):
    # The URL takes an integer id: a missing case and another collector's look the same.
    try:
        return visible_cases(request.user).select_related("account__borrower").get(pk=case_id)
    except CollectionCase.DoesNotExist:
        raise Http404(_("No such case, or not yours to see.")) from None


def log_contact(request, case_id):
    if not request.user.has_perm("contacts.add_contactattempt"):
        raise Http404(_("You do not log contacts."))
    case = _case_for(request, case_id)
    full = can_see_full_contact_details(request.user)
    if full:  # the form lists the borrower's numbers and addresses in full
        log_pii_access(request.user, case.account.borrower, "log contact", request, case=case)
    can_override = request.user.has_perm("contacts.override_contact_policy")
    form = LogContactForm(
        request.POST or None,
        case=case,
        can_override=can_override,
        show_point=lambda p: p.value if full else p.masked_value,
    )
    decision = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "save" not in request.POST:
                decision = services.check_contact(
                    case, data["channel"], contact_point=data["contact_point"], agent=request.user
                )
            else:
                attempt = services.record_attempt(
                    case,
                    data["channel"],
                    data["outcome"],
                    by=request.user,
                    contact_point=data["contact_point"],
                    conversation=data["conversation"],
                    note=data["note"],
                    overridden_by=request.user if data.get("override_reason") else None,
                    override_reason=data.get("override_reason", ""),
                )
                messages.success(
                    request,
                    _("%(channel)s logged: %(outcome)s.")
                    % {"channel": attempt.get_channel_display(), "outcome": attempt.get_outcome_display()},
                )
                if attempt.outcome == Outcome.PROMISE_TO_PAY:
                    return redirect(f"{reverse('admin:cases_promisetopay_add')}?case={case.pk}")
                return redirect("admin:cases_collectioncase_change", case.pk)
        except services.ContactBlocked as blocked:
            decision = blocked.decision
            messages.error(request, _("Not logged as made: the contact is refused, and the refusal was recorded."))
        except ContactRequestError as error:
            form.add_error(None, str(error))
        except ServiceError as error:
            form.add_error(None, str(error))
    context = {
        **admin.site.each_context(request),
        "title": _("Log contact · %(case)s") % {"case": case},
        "case": case,
        "form": form,
        "decision": decision,
        "timeline": case_timeline(case),
        "now": timezone.now(),
        "borrower_zone": borrower_zone(case),
    }
    return render(request, "contacts/log_contact.html", context)


def work_queue(request):
    if not (
        request.user.has_perm("contacts.add_contactattempt") and request.user.has_perm("cases.change_collectioncase")
    ):
        raise Http404(_("Work queues are for collectors."))
    contactable, later = selectors.work_queue(request.user)
    context = {
        **admin.site.each_context(request),
        "title": _("My work queue"),
        "contactable": contactable,
        "later": later,
        "now": timezone.now(),
    }
    return render(request, "contacts/work_queue.html", context)


class _TooLarge(webhooks.WebhookRefused):
    http_status = 413


def _raw_body(request) -> bytes:
    # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE: a clear 413.
    try:
        return request.body
    except RequestDataTooBig:
        raise _TooLarge("body too large") from None


def _refused(request, what: str, refused: webhooks.WebhookRefused, *, log_all: bool) -> JsonResponse:
    """A refused webhook call: answered with its status, and logged for security review
    (a forged or replayed call could hide a notice or a withdrawal of consent)."""
    if isinstance(refused, webhooks.WebhookNotConfigured):
        security_log.error("%s refused: %s", what, refused)
    elif log_all or isinstance(refused, webhooks.NotAuthentic | webhooks.Replayed):
        security_log.warning("%s from %s refused: %s", what, request.META.get("REMOTE_ADDR", "?"), refused)
    return JsonResponse({"error": str(refused)}, status=refused.http_status)


@csrf_exempt
@require_POST
def delivery_receipt(request):
    """Providers report delivery here, signed over a timestamp and a single-use nonce
    (contacts/webhooks.py, contacts/receipts.py)."""
    try:
        message = receipts.accept_receipt(_raw_body(request), request.headers)
    except receipts.ReceiptRefused as refused:
        return _refused(request, "delivery receipt", refused, log_all=False)
    return JsonResponse({"ok": True, "state": message.state})


@csrf_exempt
@require_POST
def inbound_message(request):
    """Borrowers' messages, signed by the provider like receipts (contacts/inbound.py).
    A withdrawal keyword is honoured before the answer leaves. Every refusal is logged:
    each one is a message we did not take."""
    try:
        received = inbound.accept_inbound(_raw_body(request), request.headers)
    except webhooks.WebhookRefused as refused:
        return _refused(request, "inbound message", refused, log_all=True)
    return JsonResponse({"ok": True, "revoked": received.revoked})
