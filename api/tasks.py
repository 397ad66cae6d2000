"""The worker's side of outgoing webhooks: one delivery attempt per run, retried with
backoff through Celery, and a sweep that queues again what a lost message left behind."""

from celery import shared_task

from . import webhook_delivery


@shared_task(bind=True, max_retries=None)
def deliver_webhook(self, delivery_id: int, attempt: int | None = None) -> str | None:
    """``attempt``: how many attempts the delivery had when this was queued (see
    webhook_delivery.attempt); the delivery's row, not Celery, counts and stops them."""
    outcome = webhook_delivery.attempt(delivery_id, attempt)
    if outcome.retry_in is not None:
        raise self.retry(args=(delivery_id, outcome.attempts), kwargs={}, countdown=outcome.retry_in)
    return outcome.state


@shared_task
def sweep_webhook_deliveries() -> int:
    """Pending deliveries long past their time are queued again (beat, every minute)."""
    overdue = webhook_delivery.overdue()
    for delivery_id, attempts in overdue:
        deliver_webhook.delay(delivery_id, attempts)
    return len(overdue)
