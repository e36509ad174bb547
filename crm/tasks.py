import socket

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Ignore, Reject, Retry
from django.conf import settings
from django.utils import translation

from .jobs import Heartbeat, bulk_job_claim, bulk_job_failed, bulk_job_requeue_stale
from .services import bulk_job_finish, bulk_job_start


class BulkJobTask(DjangoTask):
    """Base of every task whose first argument is a ``BulkJob`` id (``base=BulkJobTask``).

    - A finished job is left alone (a redelivered or re-queued message does nothing); else the
      job is claimed: running, with this task's name and queue (for a retry or a re-queue).
    - The task runs in the language of the user who started the job, under a heartbeat.
    - Any error takes one failure path: the job is marked failed with a message in that
      language, the task's ``job_failed`` service (dotted path, ``job_id`` and ``error``)
      releases its locks in the same transaction, and the page stops polling and offers Retry.
      The error is raised again, so the message is acknowledged and the error logged.
    - ``job_retry`` (dotted path, ``job``) takes the locks back when a user retries.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    job_failed: str | None = None
    job_retry: str | None = None

    def __call__(self, job_id: int, *args, **kwargs):
        request = self.request
        eager = bool(request.is_eager) or request.called_directly
        queue = None if eager else (request.delivery_info or {}).get("routing_key")
        job = bulk_job_claim(job_id=job_id, task_name=self.name, queue=queue)
        if job is None:
            return None
        with (
            translation.override(job.language or settings.LANGUAGE_CODE),
            Heartbeat(job_id, enabled=not eager),
        ):
            try:
                return super().__call__(job_id, *args, **kwargs)
            except (Retry, Ignore, Reject):
                raise
            except Exception as exc:
                bulk_job_failed(job_id=job_id, exc=exc, on_failure=self.job_failed)
                raise

    def send_next(self, job_id: int) -> None:
        """Send the job's next batch as a new message on the queue this one came from."""
        queue = (self.request.delivery_info or {}).get("routing_key")
        self.apply_async(args=[job_id], queue=queue or None)


@shared_task(base=BulkJobTask)
def healthcheck_task(job_id: int) -> None:
    """Mark a BulkJob done, recording which worker ran it: proves the worker sees the database."""
    bulk_job_start(job_id=job_id, total=1)
    bulk_job_finish(job_id=job_id, result={"worker": socket.gethostname()})


@shared_task(acks_late=True)
def bulk_job_requeue_stale_task() -> list[int]:
    """Beat: send again the running jobs whose worker stopped beating (killed, lost)."""
    return bulk_job_requeue_stale()
