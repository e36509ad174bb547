from celery import shared_task

from crm.tasks import BulkJobTask

# A failed segment job frees its segment (same transaction as the failure); a retry takes the
# segment back, or is refused while another job holds it.
SEGMENT_JOB = {
    "base": BulkJobTask,
    "job_failed": "segments.services.segment_criteria_job_failed",
    "job_retry": "segments.tasks.segment_job_relock",
}


def segment_job_relock(*, job) -> None:
    """``BulkJobTask.job_retry`` of segment jobs: the segment is busy with the job again."""
    from .models import Segment
    from .services.header import _busy_check, _lock

    segment = Segment.objects.filter(pk=job.target_id).first()
    if segment is None:
        return  # the job itself reports the segment gone
    segment = _lock(segment)
    if segment.running_job_id != job.pk:
        _busy_check(segment)
    Segment.objects.filter(pk=segment.pk).update(running_job=job.pk)


# One statement per action: ~8 s for 335,000 new lines (bench/segments_bench.py).
@shared_task(**SEGMENT_JOB, soft_time_limit=1800, time_limit=1860)
def segment_apply_criteria_task(job_id: int) -> None:
    """Add/reduce/refine/reuse/refresh of one segment (SPEC 5.5); idempotent per step."""
    from .services import segment_criteria_job_run

    segment_criteria_job_run(job_id=job_id)


@shared_task(base=BulkJobTask)
def logged_segments_delete_canceled_task(job_id: int) -> None:
    """SEG-43: delete canceled logged segments; idempotent."""
    from .services import logged_segments_delete_canceled

    logged_segments_delete_canceled(job_id=job_id)


@shared_task(**SEGMENT_JOB)
def segment_opportunities_create_task(job_id: int) -> None:
    """SEG-53: one opportunity per line, batches of 200; resumable per batch."""
    from .services import segment_opportunities_create

    segment_opportunities_create(job_id=job_id)


# One transaction over every line: ~10 s per 100,000 lines on the development machine
# (bench/segments_bench.py), so a segment of several million lines needs more than the
# global 5 minutes; a timed-out log rolls back whole and the job reports the error.
@shared_task(**SEGMENT_JOB, soft_time_limit=3600, time_limit=3660)
def segment_log_task(job_id: int) -> None:
    """SEG-40..42: log one segment (interactions, campaign entries, follow-up); idempotent."""
    from .services import segment_log_job_run

    segment_log_job_run(job_id=job_id)


@shared_task
def segment_integrity_check_task() -> None:
    """Beat (daily): orphan segment lines and history rows, for the setup page; idempotent
    (each run replaces the one report row)."""
    from .services import segment_integrity_check

    segment_integrity_check()
