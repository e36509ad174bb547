"""Celery entry points of the contacts area (SPEC 3.7): IDs in, re-read, call a service."""

from celery import shared_task


def _requeue(task, request, *args) -> None:
    """Send the next batch as a new message on the queue this one came from."""
    queue = (request.delivery_info or {}).get("routing_key") if request else None
    task.apply_async(args=list(args), queue=queue or None)


@shared_task(bind=True, acks_late=True)
def contact_duplicate_strings_generate_task(self, job_id: int) -> None:
    """CON-65: one batch of companies per message; harmless when run twice."""
    from .dedupe import contact_duplicate_strings_generate_batch

    if contact_duplicate_strings_generate_batch(job_id=job_id):
        _requeue(contact_duplicate_strings_generate_task, self.request, job_id)


@shared_task(bind=True, acks_late=True)
def contact_import_csv_task(self, job_id: int) -> None:
    """CSV import: one batch of rows per message; rows already imported are skipped."""
    from .imports import contact_import_csv_batch

    if contact_import_csv_batch(job_id=job_id):
        _requeue(contact_import_csv_task, self.request, job_id)


@shared_task(bind=True, acks_late=True)
def contact_import_from_business_system_task(self, job_id: int) -> None:
    """CON-58: one batch of business-system records per message; linked numbers are skipped."""
    from .imports import contact_import_from_business_system_batch

    if contact_import_from_business_system_batch(job_id=job_id):
        _requeue(contact_import_from_business_system_task, self.request, job_id)


@shared_task(acks_late=True)
def contact_person_ripple_task(company_id: int, changes: dict) -> None:
    """CON-24 for a company with many persons: the same UPDATE with the captured old/new
    values; a second run changes nothing."""
    from .services import contact_person_ripple

    contact_person_ripple(company_id=company_id, changes=changes)


from .tasks_profiles import contact_classification_update_task  # noqa: E402, F401
