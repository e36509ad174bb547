"""Reads of the api pages."""

from crm.models import BulkJob
from crm.selectors import bulk_jobs_visible

from .models import ApiUserToken
from .sales_history_import import CSV_JOB_KIND


def api_user_token_list(*, user):
    """The user's own tokens, active first."""
    return ApiUserToken.objects.filter(user=user).order_by("-is_active", "-created_at", "-id")


def sales_history_import_jobs(*, user, limit: int = 5):
    return BulkJob.objects.filter(kind=CSV_JOB_KIND, started_by=user)[:limit]


def sales_history_import_job_get(*, pk: int, user=None) -> BulkJob:
    """Only its owner and administrators open a job (``crm.selectors.bulk_jobs_visible``)."""
    return bulk_jobs_visible(user=user).get(pk=pk, kind=CSV_JOB_KIND)
