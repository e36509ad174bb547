from celery import shared_task

from crm.tasks import BulkJobTask

from .services import TransientDeliveryError


# Bulk work goes to the "bulk" queue (STYLE 7); CELERY_TASK_ROUTES' "*.bulk_*" pattern does not
# match these names, so the queue is set on the task.
@shared_task(base=BulkJobTask, bind=True, queue="bulk")
def interactions_bulk_log_task(self, job_id: int) -> None:
    """Bulk logging (idempotent, resumable); long jobs continue in a new message."""
    from .services import BULK_LOG_BATCHES_PER_MESSAGE, interactions_bulk_log

    more_left = interactions_bulk_log(job_id=job_id, max_batches=BULK_LOG_BATCHES_PER_MESSAGE)
    if more_left:
        self.send_next(job_id)


@shared_task(base=BulkJobTask, queue="bulk")
def interactions_delete_canceled_task(job_id: int) -> None:
    from .services import interactions_delete_canceled

    interactions_delete_canceled(job_id=job_id)


DELIVER_MAX_RETRIES = 5  # SPEC 4.4: transient SMTP errors; backoff 1, 2, 4, 8, 16 s (jittered)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(TransientDeliveryError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=DELIVER_MAX_RETRIES,
)
def interaction_deliver_task(self, entry_id: int) -> None:
    """Idempotent: the service skips entries already delivered for this attempt; the last
    retry stores the error instead of raising."""
    from .services import interaction_deliver

    interaction_deliver(entry_id=entry_id, final_attempt=self.request.retries >= self.max_retries)
