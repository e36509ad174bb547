from celery import shared_task

from .services import email_logging_poll


@shared_task(acks_late=True)
def email_logging_poll_task(force: bool = False) -> dict:
    """SPEC 11.3: beat calls it every minute; the service keeps the interval and the lock."""
    return email_logging_poll(force=force)
