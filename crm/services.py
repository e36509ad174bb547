from typing import Any

from django.db import models
from django.utils import timezone, translation

from .models import BulkJob, BulkJobStatus


def model_update(
    *, instance: models.Model, fields: list[str], data: dict[str, Any], auto_updated_at: bool = True
) -> tuple[models.Model, bool]:
    """Set the whitelisted ``fields`` from ``data``, validate and save only what changed.

    Returns the instance and whether anything changed.
    """
    changed: list[str] = []
    for field in fields:
        if field not in data:
            continue
        if getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        if auto_updated_at and any(f.name == "updated_at" for f in instance._meta.fields):
            changed.append("updated_at")
        instance.full_clean()
        instance.save(update_fields=changed)
    return instance, bool(changed)


def bulk_job_create(
    *, kind: str, user=None, target: models.Model | None = None, total: int = 0, params=None
) -> BulkJob:
    return BulkJob.objects.create(
        kind=kind,
        started_by=user if user is not None and user.is_authenticated else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        total=total,
        params=params or {},
        language=translation.get_language() or "",
    )


def bulk_job_start(*, job_id: int, total: int | None = None) -> None:
    updates: dict[str, Any] = {"status": BulkJobStatus.RUNNING, "updated_at": timezone.now()}
    if total is not None:
        updates["total"] = total
    BulkJob.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=timezone.now())
    BulkJob.objects.filter(pk=job_id).exclude(
        status__in=[BulkJobStatus.SUCCEEDED, BulkJobStatus.FAILED]
    ).update(**updates)


def bulk_job_progress(*, job_id: int, done: int) -> None:
    """Record absolute progress (idempotent when a batch is replayed)."""
    BulkJob.objects.filter(pk=job_id).update(done=done, updated_at=timezone.now())


def bulk_job_finish(*, job_id: int, result: dict | None = None, error: str = "") -> None:
    now = timezone.now()
    status = BulkJobStatus.FAILED if error else BulkJobStatus.SUCCEEDED
    updates: dict[str, Any] = {
        "status": status,
        "error": error,
        "finished_at": now,
        "updated_at": now,
    }
    if result is not None:
        updates["result"] = result
    job = BulkJob.objects.filter(pk=job_id)
    job.update(**updates)
    if not error:
        job.filter(total__gt=0).update(done=models.F("total"))
