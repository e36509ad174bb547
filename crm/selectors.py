from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import BulkJob, FieldChange

FIELD_HISTORY_LIMIT = 50


def field_change_list(
    *, content_type: ContentType, object_id: int, limit: int = FIELD_HISTORY_LIMIT
) -> list[FieldChange]:
    """The latest changes of one record, newest first, with their user (one query)."""
    queryset: QuerySet[FieldChange] = FieldChange.objects.filter(
        content_type=content_type, object_id=object_id
    ).select_related("user")
    return list(queryset[:limit])


def bulk_job_get_for_retry(*, user, pk: int) -> BulkJob:
    """A job the user may retry: one they started, or any with ``crm.change_bulkjob``
    (Administrators); otherwise 404."""
    jobs = BulkJob.objects.all()
    if not user.has_perm("crm.change_bulkjob"):
        jobs = jobs.filter(Q(started_by=user))
    return get_object_or_404(jobs, pk=pk)
