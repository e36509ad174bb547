"""Field-level change history (who, when, old → new), written by update services.

An update service takes ``snapshot = history_snapshot(instance)`` right after locking the row
and calls ``field_changes_record(instance=..., before=snapshot, user=...)`` after saving:
one ``bulk_create`` per save, nothing when nothing changed.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from .models import FieldChange

# Bookkeeping columns that change on every save and mean nothing to a reader.
SKIPPED_FIELDS = {"id", "created_at", "updated_at", "last_modified_at"}


def _tracked(instance: models.Model, fields: list[str] | None) -> list[models.Field]:
    concrete = [
        f
        for f in instance._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS and not f.primary_key and not f.generated
    ]
    if fields is None:
        return concrete
    wanted = set(fields)
    return [f for f in concrete if f.name in wanted or f.attname in wanted]


def history_snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Raw column values (``attname`` → value) of the tracked fields, before a change."""
    return {f.attname: getattr(instance, f.attname) for f in _tracked(instance, fields)}


def _display(field: models.Field, value: Any, related: dict[Any, str]) -> str:
    if value is None or value == "":
        return ""
    if field.is_relation:
        return related.get(value, str(value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def field_changes_record(
    *,
    instance: models.Model,
    before: dict[str, Any],
    user=None,
    fields: list[str] | None = None,
) -> list[FieldChange]:
    """Write one FieldChange per field whose value differs from ``before`` (one INSERT)."""
    changed = [
        f
        for f in _tracked(instance, fields)
        if f.attname in before and getattr(instance, f.attname) != before[f.attname]
    ]
    if not changed:
        return []
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(instance, for_concrete_model=True)
    rows = []
    for field in changed:
        old, new = before[field.attname], getattr(instance, field.attname)
        related: dict[Any, str] = {}
        if field.is_relation:
            current = getattr(instance, field.name)
            if current is not None:
                related[new] = str(current)
            if old is not None:
                previous = field.related_model._default_manager.filter(pk=old).first()
                related[old] = str(previous) if previous is not None else str(old)
        rows.append(
            FieldChange(
                content_type=content_type,
                object_id=instance.pk,
                field=field.name,
                old_value=_display(field, old, related),
                new_value=_display(field, new, related),
                user=user if user is not None and user.is_authenticated else None,
                changed_at=now,
            )
        )
    return FieldChange.objects.bulk_create(rows)
