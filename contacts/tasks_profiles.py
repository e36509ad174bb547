"""Celery entry point of the classification job (SPEC 9.5): ID in, re-read, call the service."""

from celery import shared_task

from crm.tasks import BulkJobTask


@shared_task(base=BulkJobTask)
def contact_classification_update_task(job_id: int) -> None:
    """PRF-10/11/12: harmless when run twice (each question deletes its answers first; a
    finished job is left alone by ``BulkJobTask``)."""
    from .profiles import contact_classification_update

    contact_classification_update(job_id=job_id)
