from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import BulkJob, FieldChange
from .roles import is_administrator

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


def bulk_jobs_visible(*, user) -> QuerySet[BulkJob]:
    """The bulk jobs a viewer may open: its own, or all for an administrator (SPEC 0.1).

    ``user`` None is a business-system API client: it sees only jobs no user started.
    """
    if user is None:
        return BulkJob.objects.filter(started_by__isnull=True)
    if is_administrator(user):
        return BulkJob.objects.all()
    return BulkJob.objects.filter(started_by=user)


def bulk_job_get_for(*, pk: int, user, kinds: Iterable[str] | None = None) -> BulkJob | None:
    """One bulk job the viewer may open (``bulk_jobs_visible``), or None; ``kinds`` limits the
    job kinds a page shows (a job id of another page is not found)."""
    queryset = bulk_jobs_visible(user=user).filter(pk=pk)
    if kinds is not None:
        queryset = queryset.filter(kind__in=list(kinds))
    return queryset.first()
