"""Celery entry points of the contacts area (SPEC 3.7): IDs in, re-read, call a service.

Job tasks share ``crm.tasks.BulkJobTask``: one failure path, heartbeat, retry, re-queue."""

from celery import shared_task

from crm.tasks import BulkJobTask


@shared_task(base=BulkJobTask, bind=True)
def contact_duplicate_strings_generate_task(self, job_id: int) -> None:
    """CON-65: one batch of companies per message; harmless when run twice."""
    from .dedupe import contact_duplicate_strings_generate_batch

    if contact_duplicate_strings_generate_batch(job_id=job_id):
        self.send_next(job_id)


@shared_task(base=BulkJobTask, bind=True)
def contact_import_csv_task(self, job_id: int) -> None:
    """CSV import: one batch of rows per message; rows already imported are skipped."""
    from .imports import contact_import_csv_batch

    if contact_import_csv_batch(job_id=job_id):
        self.send_next(job_id)


@shared_task(base=BulkJobTask, bind=True)
def contact_import_from_business_system_task(self, job_id: int) -> None:
    """CON-58: one batch of business-system records per message; linked numbers are skipped."""
    from .imports import contact_import_from_business_system_batch

    if contact_import_from_business_system_batch(job_id=job_id):
        self.send_next(job_id)


@shared_task(acks_late=True)
def contact_person_ripple_task(company_id: int, changes: dict) -> None:
    """CON-24 for a company with many persons: the same UPDATE with the captured old/new
    values; a second run changes nothing."""
    from .services import contact_person_ripple

    contact_person_ripple(company_id=company_id, changes=changes)


from .tasks_profiles import contact_classification_update_task  # noqa: E402, F401
