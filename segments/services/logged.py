"""Logged segments (SEG-43): cancel, resend, delete canceled ones."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from crm.models import BulkJob
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
)
from segments.models import LoggedSegment
from segments.signals import logged_segment_canceled

from .header import segment_targets_notify

# -- logged segments (SEG-43) -------------------------------------------------------------------

DELETE_CANCELED_JOB_KIND = "logged_segment_delete_canceled"


@transaction.atomic
def logged_segment_set_canceled(*, logged: LoggedSegment, is_canceled: bool) -> int:
    """SEG-43 / SG-22: cancel or un-cancel the logged segment, its campaign entries (the
    campaigns receiver of ``logged_segment_canceled``) and all its interactions. Returns the
    number of interactions changed."""
    from interactions.models import InteractionLogEntry
    from interactions.services import interactions_cancel

    logged = LoggedSegment.objects.select_for_update().get(pk=logged.pk)
    logged.is_canceled = is_canceled
    logged.save(update_fields=["is_canceled", "updated_at"])
    logged_segment_canceled.send(
        sender=LoggedSegment, logged_segment=logged, is_canceled=is_canceled
    )
    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    count = interactions_cancel(
        entry_ids=list(entries.values_list("pk", flat=True)), cancel=is_canceled
    )
    # CMP-23: canceled interactions still count as campaign sources; refresh anyway so the
    # group follows whatever the campaigns area counts.
    targets = entries.filter(campaign__isnull=False, is_campaign_target=True)
    segment_targets_notify(
        campaign_ids=set(targets.values_list("campaign_id", flat=True)),
        contact_ids=set(targets.values_list("contact_id", flat=True)),
    )
    return count


@transaction.atomic
def logged_segment_resend(*, logged: LoggedSegment) -> int:
    """SEG-43 / INT-20: re-deliver the logged segment's e-mail interactions that have an
    attachment or a body; returns the number queued (delivery runs after commit)."""
    from interactions.models import InteractionLogEntry
    from interactions.services import interactions_deliver_enqueue_many

    entries = InteractionLogEntry.objects.filter(logged_segment=logged, is_canceled=False).filter(
        models.Q(attachment__isnull=False) | ~models.Q(email_body="")
    )
    count = interactions_deliver_enqueue_many(entries=entries)
    if not count:
        raise ValidationError(
            _("Logged segment %(entry_no)s has no e-mail interactions to resend.")
            % {"entry_no": logged.entry_no}
        )
    return count


@transaction.atomic
def logged_segments_delete_canceled_start(*, user, queue: str | None = None) -> BulkJob:
    """SEG-43: "Delete canceled logged segments" as a bulk job."""
    from segments.tasks import logged_segments_delete_canceled_task

    job = bulk_job_create(kind=DELETE_CANCELED_JOB_KIND, user=user)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(
        lambda: logged_segments_delete_canceled_task.apply_async(args=[job.pk], **options)
    )
    return job


def logged_segments_delete_canceled(*, job_id: int, batch_size: int = 1000) -> int:
    """Delete only canceled logged segments, in committed batches; their interactions stay
    (canceled, ``logged_segment`` cleared by the FK). Idempotent: a rerun finds fewer rows."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return job.result.get("deleted", 0)
    canceled = LoggedSegment.objects.filter(is_canceled=True)
    bulk_job_start(job_id=job_id, total=job.done + canceled.count())
    deleted = job.result.get("deleted", 0)
    while True:
        with transaction.atomic():
            ids = list(canceled.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            LoggedSegment.objects.filter(pk__in=ids, is_canceled=True).delete()
            deleted += len(ids)
            bulk_job_progress(job_id=job_id, done=deleted)
            BulkJob.objects.filter(pk=job_id).update(result={"deleted": deleted})
    bulk_job_finish(job_id=job_id, result={"deleted": deleted})
    return deleted
