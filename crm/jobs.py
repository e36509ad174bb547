"""What happens to a background job besides its progress: the one failure path every job task
shares, the retry a user asks for, the worker's heartbeat, and the re-queue of jobs whose
worker died (SPEC 0.1 bulk jobs; ``crm.tasks.BulkJobTask`` calls these).

A job is *claimed* when a worker takes its message: the task name and queue are recorded, so a
retry or a re-queue sends the same task to the same queue. While the task runs, a thread of the
worker writes ``heartbeat_at``; the beat task ``bulk_job_requeue_stale_task`` sends again the
running jobs whose heartbeat is older than ``BULK_JOB_STALE_SECONDS`` (their worker was killed:
Redis would redeliver the unacknowledged message only after its visibility timeout, an hour).
Every job task is idempotent and resumes after its last committed batch, so a job sent twice
writes once.
"""

import logging
import threading
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .exceptions import ApplicationError
from .models import BulkJob, BulkJobStatus

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 1000
_FINISHED = [BulkJobStatus.SUCCEEDED, BulkJobStatus.FAILED]


def bulk_job_failure_message(exc: BaseException) -> str:
    """The message a user reads for ``exc``, in the active language. A refusal by a business
    rule is shown as it is; any other error is named by its kind only (no internals shown)."""
    if isinstance(exc, ApplicationError):
        return str(exc.message)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, (OperationalError, InterfaceError)):
        reason = _("The connection to the database was lost.")
    elif isinstance(exc, SoftTimeLimitExceeded):
        reason = _("The job took too long and was stopped.")
    else:
        reason = _("An unexpected error stopped the job.")
    return f"{reason} {_('The work already saved is kept: Retry continues where the job stopped.')}"


def bulk_job_claim(*, job_id: int, task_name: str, queue: str | None) -> BulkJob | None:
    """Mark the job running on behalf of ``task_name``; None when it is finished or gone (a
    redelivered or re-queued message then does nothing)."""
    now = timezone.now()
    claimed = (
        BulkJob.objects.filter(pk=job_id)
        .exclude(status__in=_FINISHED)
        .update(
            status=BulkJobStatus.RUNNING,
            task_name=task_name,
            queue=queue or "",
            heartbeat_at=now,
            started_at=Coalesce("started_at", Value(now)),
            updated_at=now,
        )
    )
    return BulkJob.objects.filter(pk=job_id).first() if claimed else None


def bulk_job_fail(*, job_id: int, error: str) -> None:
    """Mark the job failed with ``error``, unless it already succeeded."""
    now = timezone.now()
    BulkJob.objects.filter(pk=job_id).exclude(status=BulkJobStatus.SUCCEEDED).update(
        status=BulkJobStatus.FAILED,
        error=error[:ERROR_MAX_LENGTH],
        finished_at=now,
        updated_at=now,
    )


def _drop_broken_connection() -> None:
    """After a lost connection, the next query must open a new one (outside a transaction;
    inside one, the caller's ``atomic`` has already dropped it)."""
    if connection.connection is None or connection.in_atomic_block:
        return
    if not connection.is_usable():
        connection.close()


def bulk_job_failed(*, job_id: int, exc: BaseException, on_failure: str | None = None) -> None:
    """The failure path of every job task: the job is marked failed with a message in the
    language of the user who started it, and ``on_failure`` (a dotted path to a service taking
    ``job_id`` and ``error``, which releases the job's locks) runs in the same transaction."""
    _drop_broken_connection()
    try:
        job = BulkJob.objects.filter(pk=job_id).first()
        if job is None or job.status == BulkJobStatus.SUCCEEDED:
            return
        with translation.override(job.language or settings.LANGUAGE_CODE):
            error = bulk_job_failure_message(exc)
        with transaction.atomic():
            if on_failure:
                import_string(on_failure)(job_id=job_id, error=error[:ERROR_MAX_LENGTH])
            bulk_job_fail(job_id=job_id, error=error)
    except Exception:
        # The database is still away: the job stays running, its heartbeat goes stale and the
        # beat task sends it again once the database answers.
        logger.exception("Could not record the failure of bulk job %s", job_id)


def job_task(name: str):
    """The registered Celery task called ``name`` (modules imported on first use)."""
    from .celery import app

    task = app.tasks.get(name)
    if task is None:
        app.loader.import_default_modules()
        task = app.tasks[name]
    return task


def _send(job: BulkJob) -> None:
    job_task(job.task_name).apply_async(args=[job.pk], queue=job.queue or None)


@transaction.atomic
def bulk_job_retry(*, job: BulkJob, language: str | None = None) -> BulkJob:
    """Send a failed job's task again; it resumes after the batches it committed. The task's
    ``job_retry`` hook (a dotted path taking ``job``) takes the job's locks back first and may
    refuse with an ``ApplicationError``."""
    job = BulkJob.objects.select_for_update().get(pk=job.pk)
    if not job.is_retryable:
        raise ApplicationError(_("Only a failed job can be retried."))
    hook = getattr(job_task(job.task_name), "job_retry", None)
    if hook:
        import_string(hook)(job=job)
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJobStatus.QUEUED,
        error="",
        finished_at=None,
        heartbeat_at=None,
        language=language or job.language,
        updated_at=now,
    )
    job.refresh_from_db()
    transaction.on_commit(lambda: _send(job))
    return job


def bulk_job_heartbeat(*, job_id: int) -> None:
    """Record that the worker running the job is alive. A job row locked by the task itself
    is skipped (the re-queue skips locked rows too), so the heartbeat never waits."""
    with transaction.atomic():
        running = list(
            BulkJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=BulkJobStatus.RUNNING)
            .values_list("pk", flat=True)
        )
        if running:
            BulkJob.objects.filter(pk__in=running).update(heartbeat_at=timezone.now())


class Heartbeat:
    """Context manager: a daemon thread beats every ``BULK_JOB_HEARTBEAT_SECONDS`` while the
    block runs. A killed worker takes the thread with it, so the heartbeat goes stale."""

    def __init__(self, job_id: int, *, enabled: bool = True) -> None:
        self.job_id = job_id
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        interval = float(settings.BULK_JOB_HEARTBEAT_SECONDS)
        try:
            while not self._stop.wait(interval):
                try:
                    bulk_job_heartbeat(job_id=self.job_id)
                except Exception:
                    logger.exception("Heartbeat of bulk job %s failed", self.job_id)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connection

    def __enter__(self) -> "Heartbeat":
        if self.enabled:
            self._thread = threading.Thread(
                target=self._run, name=f"bulk-job-{self.job_id}-heartbeat", daemon=True
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=30)


def bulk_job_requeue_stale(*, stale_after: float | None = None) -> list[int]:
    """Send again every running job whose heartbeat is older than ``stale_after`` seconds
    (``BULK_JOB_STALE_SECONDS``). The job goes back to queued with a fresh heartbeat, so the
    next beat does not send it twice; a row locked by a live transaction is skipped."""
    seconds = settings.BULK_JOB_STALE_SECONDS if stale_after is None else stale_after
    now = timezone.now()
    with transaction.atomic():
        jobs = list(
            BulkJob.objects.select_for_update(skip_locked=True)
            .filter(status=BulkJobStatus.RUNNING, heartbeat_at__lt=now - timedelta(seconds=seconds))
            .exclude(task_name="")
            .order_by("pk")
        )
        BulkJob.objects.filter(pk__in=[job.pk for job in jobs]).update(
            status=BulkJobStatus.QUEUED, heartbeat_at=now, updated_at=now
        )
        for job in jobs:
            logger.warning("Re-queueing stale bulk job %s (%s)", job.pk, job.task_name)
            transaction.on_commit(lambda job=job: _send(job))
    return [job.pk for job in jobs]
