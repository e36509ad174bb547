from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import FieldChange

FIELD_HISTORY_LIMIT = 50


def field_change_list(
    *, content_type: ContentType, object_id: int, limit: int = FIELD_HISTORY_LIMIT
) -> list[FieldChange]:
    """The latest changes of one record, newest first, with their user (one query)."""
    queryset: QuerySet[FieldChange] = FieldChange.objects.filter(
        content_type=content_type, object_id=object_id
    ).select_related("user")
    return list(queryset[:limit])
