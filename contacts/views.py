"""The providers' webhooks (delivery receipts, inbound messages). Thin: the rules live in
contacts.receipts and contacts.inbound. (Collectors log contacts on the desk.)"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import inbound, receipts, webhooks

security_log = logging.getLogger("collections.security")


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
