"""Celery entry points of the api app: IDs in, re-read, call a service."""

from celery import shared_task

from crm.tasks import BulkJobTask


@shared_task(base=BulkJobTask, bind=True)
def sales_history_import_csv_task(self, job_id: int) -> None:
    """API-4 CSV import: one batch of lines per message; a replayed batch upserts the same rows."""
    from .sales_history_import import sales_history_import_batch

    if sales_history_import_batch(job_id=job_id):
        self.send_next(job_id)


@shared_task(acks_late=True)
def api_housekeeping_task() -> dict:
    """Beat: drop expired idempotency records and call-log rows older than 90 days."""
    from .services import api_housekeeping

    return api_housekeeping()
