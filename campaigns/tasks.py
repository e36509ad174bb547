from celery import shared_task

from crm.tasks import BulkJobTask


@shared_task(base=BulkJobTask)
def campaign_activate_task(job_id: int) -> None:
    """ON CONFLICT makes a rerun harmless; a failure takes ``BulkJobTask``'s path."""
    from .services import campaign_activate_run

    campaign_activate_run(job_id=job_id)


@shared_task(base=BulkJobTask)
def campaign_entries_delete_canceled_task(job_id: int) -> None:
    from .services import campaign_entries_delete_canceled

    campaign_entries_delete_canceled(job_id=job_id)
