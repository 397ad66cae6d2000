"""
What we tell the lender's systems at once (outgoing webhooks): the domain signals turned
into events, one WebhookDelivery per event and subscribed endpoint.

The receivers run in the sender's transaction and insert the deliveries set-based (one
read of what the payloads need, one INSERT), so a change that rolls back sends nothing;
the deliveries are queued for the worker only once it commits (``transaction.on_commit``).

A payload says which loan and case, and what happened to it — never a name, a phone
number or an ID number: a dialer needs to know whom to drop, not who they are. Nor the
kind of a hold: a mental health crisis breathing space would tell a dialer of a health
matter.
"""

from __future__ import annotations

from functools import partial
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import CollectionCase, Hold
from core.exceptions import ServiceError

from .tasks import deliver_webhook
from .webhook_models import SUBSCRIBABLE_EVENTS, EventType, WebhookDelivery, WebhookEndpoint, new_secret

# --- endpoints (the admin's services) --------------------------------------------------------


class EndpointNameTaken(ServiceError):
    pass


def create_endpoint(*, name: str, url: str, events, by) -> WebhookEndpoint:
    """A new endpoint; its secret is on the returned object (the admin shows it once)."""
    if WebhookEndpoint.objects.filter(name=name).exists():
        raise EndpointNameTaken(_("The name %(name)s already has an endpoint; choose another.") % {"name": name})
    known = {value for value, _label in SUBSCRIBABLE_EVENTS}
    return WebhookEndpoint.objects.create(
        name=name, url=url, events=sorted(set(events) & known), created_by=by, secret=new_secret()
    )


def change_endpoint(endpoint: WebhookEndpoint, *, url: str, events) -> WebhookEndpoint:
    """A new address or subscription, for the events from now on."""
    known = {value for value, _label in SUBSCRIBABLE_EVENTS}
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=url, events=sorted(set(events) & known))
    endpoint.refresh_from_db()
    return endpoint


def deactivate(endpoint: WebhookEndpoint) -> None:
    """No new events for it; what is still pending fails at its next attempt."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    endpoint.refresh_from_db()


def send_test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test event for this endpoint alone (subscribed or not), to try its address and secret."""
    return _queue(EventType.TEST, [{"endpoint": endpoint.name}], endpoints=[endpoint])[0]


def retry_now(deliveries) -> int:
    """Pending or failed deliveries are tried once more at once (a failed one that fails
    again is failed again: its attempts are spent)."""
    ids = [d.pk for d in deliveries if d.state != WebhookDelivery.State.DELIVERED]
    WebhookDelivery.objects.filter(pk__in=ids).update(
        state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now()
    )
    queued = list(WebhookDelivery.objects.filter(pk__in=ids).values_list("pk", "attempts"))
    transaction.on_commit(partial(_enqueue, queued), robust=True)
    return len(queued)


# --- events ----------------------------------------------------------------------------------


def _enqueue(deliveries) -> None:
    for delivery_id, attempt in deliveries:
        deliver_webhook.delay(delivery_id, attempt)


def _queue(event_type: str, data: list[dict], endpoints) -> list[WebhookDelivery]:
    """One event per item of ``data``, each for every one of ``endpoints``; inserted in one
    statement, queued for the worker once committed."""
    if not data or not endpoints:
        return []
    now = timezone.now()
    occurred_at = timezone.localtime(now).isoformat()
    deliveries = []
    for item in data:
        event_id = uuid.uuid4()
        payload = {"id": str(event_id), "type": event_type, "occurred_at": occurred_at, "data": item}
        deliveries.extend(
            WebhookDelivery(endpoint=endpoint, event_id=event_id, event_type=event_type, payload=payload)
            for endpoint in endpoints
        )
    for delivery in deliveries:
        delivery.next_attempt_at = now
    created = WebhookDelivery.objects.bulk_create(deliveries, batch_size=1000)
    transaction.on_commit(partial(_enqueue, [(delivery.pk, 0) for delivery in created]), robust=True)
    return created


def _listeners(event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints subscribed to ``event_type``: when there are none (most sites,
    most signals) the receiver costs this one small query and nothing else."""
    active = WebhookEndpoint.objects.filter(revoked_at__isnull=True).only("pk", "events")
    return [endpoint for endpoint in active if event_type in endpoint.events]


def _cases(case_ids) -> list[dict]:
    rows = CollectionCase.objects.filter(pk__in=set(case_ids)).order_by("pk")
    return [
        {"loan_number": loan, "case_id": pk, "state": state}
        for pk, loan, state in rows.values_list("pk", "account__loan_number", "state")
    ]


def case_closed(sender, case_ids, why, **kwargs):
    if endpoints := _listeners(EventType.CASE_CLOSED):
        _queue(EventType.CASE_CLOSED, _cases(case_ids), endpoints)


def hold_placed(sender, case, why, **kwargs):
    if not (endpoints := _listeners(EventType.HOLD_PLACED)):
        return
    ends = list(Hold.objects.active().filter(case_id=case.pk).values_list("ends_at", flat=True))
    # Until the last running hold ends; none when one of them has no end yet.
    until = None if not ends or None in ends else timezone.localtime(max(ends)).isoformat()
    _queue(EventType.HOLD_PLACED, [{**item, "until": until} for item in _cases([case.pk])], endpoints)


def hold_released(sender, case_ids, why, **kwargs):
    """The case's state says whether it is free again (another hold may still run)."""
    if endpoints := _listeners(EventType.HOLD_RELEASED):
        _queue(EventType.HOLD_RELEASED, _cases(case_ids), endpoints)


def arrangements_broken(sender, promises, plans, **kwargs):
    if not (endpoints := _listeners(EventType.PROMISE_BROKEN)):
        return
    loans = dict(
        CollectionCase.objects.filter(pk__in={p.case_id for p in [*promises, *plans]}).values_list(
            "pk", "account__loan_number"
        )
    )
    data = [
        {
            "loan_number": loans.get(promise.case_id, ""),
            "case_id": promise.case_id,
            "arrangement": "promise",
            "promise_id": promise.pk,
            "amount": str(promise.amount),
            "currency": promise.currency,
            "due_date": promise.due_date.isoformat(),
        }
        for promise in promises
    ] + [
        {
            "loan_number": loans.get(plan.case_id, ""),
            "case_id": plan.case_id,
            "arrangement": "plan",
            "plan_id": plan.pk,
            "amount": str(plan.total_amount),
            "currency": plan.currency,
        }
        for plan in plans
    ]
    _queue(EventType.PROMISE_BROKEN, data, endpoints)


def visit_decided(sender, visit, by, approved, **kwargs):
    """Approved visits only: the borrower will be visited in this window (never the address)."""
    if not approved or not (endpoints := _listeners(EventType.VISIT_APPROVED)):
        return
    item = _cases([visit.case_id])[0]
    item.update(
        visit_id=visit.pk,
        window_start=timezone.localtime(visit.window_start).isoformat(),
        window_end=timezone.localtime(visit.window_end).isoformat(),
    )
    _queue(EventType.VISIT_APPROVED, [item], endpoints)
