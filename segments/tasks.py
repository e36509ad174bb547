from celery import shared_task


# One statement per action: ~8 s for 335,000 new lines (bench/segments_bench.py).
@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1860)
def segment_apply_criteria_task(job_id: int) -> None:
    """Add/reduce/refine/reuse/refresh of one segment (SPEC 5.5); idempotent per step."""
    from .services import segment_criteria_job_failed, segment_criteria_job_run

    try:
        segment_criteria_job_run(job_id=job_id)
    except Exception as exc:
        segment_criteria_job_failed(job_id=job_id, error=str(exc))
        raise


@shared_task(acks_late=True)
def logged_segments_delete_canceled_task(job_id: int) -> None:
    """SEG-43: delete canceled logged segments; idempotent."""
    from crm.services import bulk_job_finish

    from .services import logged_segments_delete_canceled

    try:
        logged_segments_delete_canceled(job_id=job_id)
    except Exception as exc:
        bulk_job_finish(job_id=job_id, error=str(exc)[:1000])
        raise


@shared_task(acks_late=True)
def segment_opportunities_create_task(job_id: int) -> None:
    """SEG-53: one opportunity per line, batches of 200; resumable per batch."""
    from .services import segment_criteria_job_failed, segment_opportunities_create

    try:
        segment_opportunities_create(job_id=job_id)
    except Exception as exc:
        segment_criteria_job_failed(job_id=job_id, error=str(exc))
        raise


# One transaction over every line: ~10 s per 100,000 lines on the development machine
# (bench/segments_bench.py), so a segment of several million lines needs more than the
# global 5 minutes; a timed-out log rolls back whole and the job reports the error.
@shared_task(acks_late=True, soft_time_limit=3600, time_limit=3660)
def segment_log_task(job_id: int) -> None:
    """SEG-40..42: log one segment (interactions, campaign entries, follow-up); idempotent."""
    from .services import segment_criteria_job_failed, segment_log_job_run

    try:
        segment_log_job_run(job_id=job_id)
    except Exception as exc:
        segment_criteria_job_failed(job_id=job_id, error=str(exc))
        raise
