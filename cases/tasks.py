import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task
def release_expired_holds() -> int:
    released = services.release_expired_holds()
    logger.info("release_expired_holds: %d holds released", released)
    return released
