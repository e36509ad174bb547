"""Managing finished entries: cancel, evaluate, delete canceled (INT-15..17), the INT-14
whitelist and comments."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import BulkJob
from crm.services import (
    bulk_job_create,
    bulk_job_finish,
    bulk_job_progress,
    bulk_job_start,
    model_update,
)
from interactions.models import (
    Attachment,
    Evaluation,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplateLanguage,
)

from .analyze import table_analyze_if_changed
from .messages import MSG_UNCANCEL_REFUSED
from .notify import interaction_targets_notify

DELETE_CANCELED_BATCH_SIZE = 1_000  # SPEC 4.4


# -- managing entries (INT-15..17) ---------------------------------------------------------------


def _attachments_delete_orphans(*, attachment_ids) -> int:
    orphans = Attachment.objects.filter(pk__in=list(attachment_ids), entries__isnull=True)
    files = [a.file for a in orphans if a.file and not a.is_read_only]
    deleted, _detail = orphans.delete()
    for file in files:
        if not InteractionTemplateLanguage.objects.filter(attachment=file.name).exists():
            file.storage.delete(file.name)
    return deleted


@transaction.atomic
def interactions_cancel(
    *, entry_ids: list[int], cancel: bool = True, delete_attachments: bool = False
) -> int:
    """INT-15: toggle ``is_canceled``; optionally delete attachments no other entry uses.

    Un-canceling is refused while an entry's logged segment or campaign entry is canceled.
    """
    entries = InteractionLogEntry.objects.filter(pk__in=entry_ids, is_postponed=False)
    if not cancel:
        blocked = (
            entries.filter(is_canceled=True)
            .filter(
                models.Q(campaign_entry__is_canceled=True)
                | models.Q(logged_segment__is_canceled=True)
            )
            .values("entry_no", "campaign_entry__is_canceled")
            .order_by("entry_no")
            .first()
        )
        if blocked is not None:
            what = (
                _("campaign entry")
                if blocked["campaign_entry__is_canceled"]
                else _("logged segment")
            )
            raise ValidationError(
                MSG_UNCANCEL_REFUSED % {"entry_no": blocked["entry_no"], "what": what},
                code="uncancel_refused",
            )
    count = entries.exclude(is_canceled=cancel).update(
        is_canceled=cancel, updated_at=timezone.now()
    )
    if cancel and delete_attachments:
        attachment_ids = set(
            entries.exclude(attachment=None).values_list("attachment_id", flat=True)
        )
        shared = set(
            InteractionLogEntry.objects.filter(attachment_id__in=attachment_ids)
            .exclude(pk__in=entry_ids)
            .values_list("attachment_id", flat=True)
        )
        own = attachment_ids - shared
        entries.filter(attachment_id__in=own).update(attachment=None)
        _attachments_delete_orphans(attachment_ids=own)
    return count


@transaction.atomic
def interactions_evaluate(*, entry_ids: list[int], evaluation: str) -> int:
    """INT-17."""
    if evaluation not in Evaluation.values:
        raise ValidationError({"evaluation": _("Choose a valid evaluation.")})
    return InteractionLogEntry.objects.filter(pk__in=entry_ids, is_postponed=False).update(
        evaluation=evaluation, updated_at=timezone.now()
    )


DELETE_FILTERS = {
    "date_from": "date__gte",
    "date_to": "date__lte",
    "contact": "contact_id",
    "template": "template_id",
    "salesperson": "salesperson_id",
}


@transaction.atomic
def interactions_delete_canceled_start(*, user, filters: dict[str, Any]) -> BulkJob:
    """INT-16: start the background job deleting canceled entries matching ``filters``."""
    from interactions.tasks import interactions_delete_canceled_task

    params = {
        k: (v.isoformat() if isinstance(v, dt.date) else getattr(v, "pk", v))
        for k, v in filters.items()
        if k in DELETE_FILTERS and v not in (None, "")
    }
    job = bulk_job_create(kind="interactions_delete_canceled", user=user, params=params)
    interactions_delete_canceled_task.delay_on_commit(job.pk)
    return job


def interactions_delete_canceled(
    *, job_id: int, batch_size: int = DELETE_CANCELED_BATCH_SIZE
) -> int:
    """INT-16 in batches, each committed; a rerun deletes what is left (idempotent)."""
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return job.result.get("deleted", 0)
    lookups = {DELETE_FILTERS[k]: v for k, v in job.params.items() if k in DELETE_FILTERS}
    canceled = InteractionLogEntry.objects.filter(is_canceled=True, **lookups)
    bulk_job_start(job_id=job_id, total=canceled.count() + job.done)
    deleted = job.done
    while True:
        with transaction.atomic():
            ids = list(canceled.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            attachment_ids = set(
                InteractionLogEntry.objects.filter(pk__in=ids)
                .exclude(attachment=None)
                .values_list("attachment_id", flat=True)
            )
            pairs = set(
                InteractionLogEntry.objects.filter(
                    pk__in=ids, campaign__isnull=False, is_campaign_target=True
                ).values_list("campaign_id", "contact_id")
            )
            InteractionLogEntryComment.objects.filter(entry_id__in=ids).delete()
            InteractionLogEntry.objects.filter(pk__in=ids, is_canceled=True).delete()
            interaction_targets_notify(pairs)  # CMP-23
            _attachments_delete_orphans(attachment_ids=attachment_ids)
            deleted += len(ids)
            bulk_job_progress(job_id=job_id, done=deleted)
    bulk_job_finish(job_id=job_id, result={"deleted": deleted})
    table_analyze_if_changed(model=InteractionLogEntry, changed_rows=deleted)
    return deleted


# -- comments and the INT-14 whitelist -----------------------------------------------------------

# INT-14: after finishing, only these fields of an entry change (plus comments).
FINISHED_CHANGEABLE_FIELDS = [
    "evaluation",
    "is_canceled",
    "opportunity",
    "delivery_status",
    "delivery_error",
    "delivered_at",
]


@transaction.atomic
def interaction_entry_update(*, entry: InteractionLogEntry, data: dict[str, Any]):
    """INT-14: a finished entry changes only in ``FINISHED_CHANGEABLE_FIELDS``."""
    refused = sorted(set(data) - set(FINISHED_CHANGEABLE_FIELDS))
    if refused and not entry.is_postponed:
        raise ValidationError(
            _("A finished interaction cannot change: %(fields)s.") % {"fields": ", ".join(refused)},
            code="finished_entry",
        )
    entry, _changed = model_update(instance=entry, fields=list(data), data=data)
    return entry


@transaction.atomic
def interaction_comment_add(
    *, entry: InteractionLogEntry, comment: str, date: dt.date | None = None
) -> InteractionLogEntryComment:
    """Comments may be added to finished entries (INT-14); line numbers grow by 10,000."""
    InteractionLogEntry.objects.select_for_update().filter(pk=entry.pk).values("pk").first()
    last = entry.comments.aggregate(last=models.Max("line_no"))["last"] or 0
    row = InteractionLogEntryComment(
        entry=entry,
        line_no=last + 10_000,
        date=date or timezone.localdate(),
        comment=(comment or "").strip(),
    )
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def interaction_comment_delete(*, entry: InteractionLogEntry, comment_id: int) -> int:
    deleted, _detail = InteractionLogEntryComment.objects.filter(
        entry=entry, pk=comment_id
    ).delete()
    return deleted
