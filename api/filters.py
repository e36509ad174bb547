"""``changed_since`` (and a few list filters) for every list of the API."""

import datetime as dt

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import BaseFilterBackend

from .errors import ApiError


class ChangedSinceFilterBackend(BaseFilterBackend):
    """``?changed_since=<ISO datetime>``: rows changed at or after it (``changed_field``)."""

    def filter_queryset(self, request, queryset, view):
        value = request.query_params.get("changed_since")
        if not value:
            return queryset
        moment = changed_since_parse(value)
        return queryset.filter(**{f"{getattr(view, 'changed_field', 'updated_at')}__gte": moment})

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "changed_since",
                "required": False,
                "in": "query",
                "description": "Only rows changed at or after this ISO 8601 datetime.",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


def changed_since_parse(value: str):
    field = django_filters.IsoDateTimeFilter().field_class()
    try:
        # in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts
        return field.clean(value).astimezone(dt.UTC)
    except Exception as exc:
        raise ApiError(
            str(_("Enter a valid ISO 8601 datetime.")), field="changed_since", code="invalid"
        ) from exc
