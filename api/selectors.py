"""Reads of the api pages."""

from crm.models import BulkJob

from .models import ApiUserToken
from .sales_history_import import CSV_JOB_KIND


def api_user_token_list(*, user):
    """The user's own tokens, active first."""
    return ApiUserToken.objects.filter(user=user).order_by("-is_active", "-created_at", "-id")


def sales_history_import_jobs(*, user, limit: int = 5):
    return BulkJob.objects.filter(kind=CSV_JOB_KIND, started_by=user)[:limit]


def sales_history_import_job_get(*, pk: int) -> BulkJob:
    return BulkJob.objects.get(pk=pk, kind=CSV_JOB_KIND)
