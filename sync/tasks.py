"""Sync jobs (SPEC 13.4): one mapping at a time under its lock, idempotent on redelivery."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .engine import dependency_order, mapping_run
from .models import (
    ExternalCrmConnection,
    ScheduleStatus,
    SyncJob,
    SyncJobKind,
    SyncJobStatus,
    SyncTableMapping,
)
from .services import couple_match, log_purge


def _job(job_id: int | None) -> SyncJob | None:
    if job_id is None:
        return None
    job = SyncJob.objects.filter(pk=job_id).first()
    if job is not None and job.status in (SyncJobStatus.SUCCEEDED, SyncJobStatus.FAILED):
        return None  # a redelivered message of a run that already ended
    return job


@shared_task(acks_late=True, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60)
def sync_mapping_run(
    mapping_id: int,
    job_id: int | None = None,
    full: bool = False,
    user_id: int | None = None,
    winner: str = "",
) -> int | None:
    mapping = SyncTableMapping.objects.filter(pk=mapping_id).first()
    if mapping is None:
        return None
    job = _job(job_id)
    if job_id is not None and job is None:
        return job_id
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return mapping_run(mapping, job=job, full=full, user=user, winner=winner).pk


@shared_task(acks_late=True, time_limit=12 * 3600)
def sync_all_task(
    full: bool = False, user_id: int | None = None, job_ids: dict | None = None
) -> list[int]:
    """SYN-9 / SYN-10: every enabled mapping in dependency order."""
    done = []
    for mapping in dependency_order(list(SyncTableMapping.objects.filter(is_enabled=True))):
        job_id = (job_ids or {}).get(str(mapping.pk))
        done.append(sync_mapping_run(mapping.pk, job_id, full, user_id))
    if full and job_ids is not None:
        SyncTableMapping.objects.filter(pk__in=[int(k) for k in job_ids]).update(
            is_full_sync_running=False
        )
    return done


@shared_task(acks_late=True)
def sync_record_push(
    mapping_id: int, local_ids: list[int], winner: str = "", job_id: int | None = None
) -> int | None:
    """SYN-12 / SYN-14: synchronise these records now, in the queued job ``job_id`` when
    given (the one the card polls); a redelivered message of a finished job does nothing."""
    mapping = SyncTableMapping.objects.filter(pk=mapping_id).first()
    if mapping is None:
        return None
    job = _job(job_id)
    if job_id is not None and job is None:
        return job_id
    return mapping_run(mapping, job=job, record_ids=list(local_ids), winner=winner).pk


@shared_task
def sync_scheduled() -> list[int]:
    """SYN-11 (beat, every minute): each enabled, active mapping whose interval has passed."""
    if not ExternalCrmConnection.objects.filter(is_enabled=True).exists():
        return []
    now = timezone.now()
    due = []
    for mapping in dependency_order(
        list(
            SyncTableMapping.objects.filter(
                is_enabled=True, schedule_status=ScheduleStatus.ACTIVE, is_full_sync_running=False
            )
        )
    ):
        if mapping.last_run_at and now - mapping.last_run_at < dt.timedelta(
            minutes=mapping.interval_min
        ):
            continue
        job = SyncJob.objects.create(
            mapping=mapping, kind=SyncJobKind.SYNCHRONIZATION, direction=mapping.direction
        )
        sync_mapping_run.delay(mapping.pk, job.pk)
        due.append(mapping.pk)
    return due


@shared_task
def sync_log_purge(older_than_days: int | None = 7) -> int:
    return log_purge(older_than_days=older_than_days)


@shared_task(acks_late=True, time_limit=6 * 3600, soft_time_limit=6 * 3600 - 60)
def sync_couple_match(sync_job_id: int, options: dict) -> int | None:
    """SYN-13 match-based coupling (``couple_match_start``): the queued job, run once (a
    redelivered message of a job that already ran does nothing). A sync job (``SyncJob``),
    not a bulk job: it keeps its own status and errors page, hence not ``BulkJobTask``."""
    job = SyncJob.objects.select_related("mapping", "user").filter(pk=sync_job_id).first()
    if job is None or job.mapping is None or job.status != SyncJobStatus.QUEUED:
        return None
    try:
        couple_match(
            mapping=job.mapping,
            local_ids=options.get("local_ids"),
            match_fields=options.get("match_fields") or [],
            create_new=bool(options.get("create_new")),
            sync_after=bool(options.get("sync_after")),
            user=job.user,
            job=job,
        )
    except Exception as exc:
        SyncJob.objects.filter(pk=job.pk).update(
            status=SyncJobStatus.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    return job.pk
