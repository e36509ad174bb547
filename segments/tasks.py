from celery import shared_task


@shared_task(acks_late=True)
def segment_apply_criteria_task(job_id: int) -> None:
    """Add/reduce/refine/reuse/refresh of one segment (SPEC 5.5); idempotent per step."""
    from .services import segment_criteria_job_failed, segment_criteria_job_run

    try:
        segment_criteria_job_run(job_id=job_id)
    except Exception as exc:
        segment_criteria_job_failed(job_id=job_id, error=str(exc))
        raise
