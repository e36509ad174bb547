"""Celery entry point of the classification job (SPEC 9.5): ID in, re-read, call the service."""

from celery import shared_task


@shared_task(acks_late=True)
def contact_classification_update_task(job_id: int) -> None:
    """PRF-10/11/12: harmless when run twice (each question deletes its answers first)."""
    from crm.models import BulkJob, BulkJobStatus

    from .profiles import contact_classification_update

    if BulkJob.objects.filter(pk=job_id, status=BulkJobStatus.SUCCEEDED).exists():
        return
    contact_classification_update(job_id=job_id)
