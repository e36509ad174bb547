"""Reads of the segments area: scoped lists with their derived counts, lines, export rows."""

from collections.abc import Iterator

from django.db import models
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from crm.csv_export import SafeWriter
from crm.models import BulkJob
from crm.selectors import bulk_jobs_visible

from .models import (
    LoggedSegment,
    SavedSegmentCriteria,
    Segment,
    SegmentCriteriaAction,
    SegmentIntegrityReport,
    SegmentLine,
)

EXPORT_CHUNK = 2_000

# SEG-51: column → lookup on SegmentLine (codes for code tables).
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("number", "contact__number"),
    ("external_id", "contact__external_id"),
    ("name", "contact__name"),
    ("name_2", "contact__name_2"),
    ("address", "contact__address"),
    ("address_2", "contact__address_2"),
    ("county", "contact__county"),
    ("post_code", "contact__post_code"),
    ("city", "contact__city"),
    ("country", "contact__country__code"),
    ("phone", "contact__phone"),
    ("fax", "contact__fax"),
    ("territory", "contact__territory__code"),
    ("currency", "contact__currency__code"),
    ("language", "contact__language__code"),
    ("salesperson", "contact__salesperson__code"),
    ("vat_registration_number", "contact__vat_registration_number"),
    ("email", "contact__email"),
    ("home_page", "contact__home_page"),
    ("type", "contact__type"),
    ("company_name", "contact__company_name"),
    ("company_number", "contact__company__number"),
    ("first_name", "contact__first_name"),
    ("middle_name", "contact__middle_name"),
    ("surname", "contact__surname"),
    ("job_title", "contact__job_title"),
    ("initials", "contact__initials"),
    ("extension", "contact__extension"),
    ("mobile_phone", "contact__mobile_phone"),
    ("pager", "contact__pager"),
    ("organizational_level", "contact__organizational_level__code"),
    ("exclude_from_segment", "contact__exclude_from_segment"),
    ("correspondence_type", "contact__correspondence_type"),
    ("salutation", "contact__salutation__code"),
]


def _count(model, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(segment=OuterRef("pk"), **filters)
            .order_by()
            .values("segment")
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        0,
    )


def segment_list(*, user=None) -> models.QuerySet[Segment]:
    """Segments with the derived line and criteria-action counts (SPEC 5.1)."""
    return Segment.objects.select_related(
        "salesperson", "template", "campaign", "running_job"
    ).annotate(
        line_count=_count(SegmentLine),
        action_count=_count(SegmentCriteriaAction),
    )


def segment_get(*, pk: int, user=None) -> Segment:
    from django.shortcuts import get_object_or_404

    segment = get_object_or_404(segment_list(user=user), pk=pk)
    totals = segment.lines.aggregate(cost=Sum("cost"), duration=Sum("duration_min"))
    segment.total_cost = totals["cost"] or 0
    segment.total_duration = totals["duration"] or 0
    return segment


def segment_lines(*, segment: Segment) -> models.QuerySet[SegmentLine]:
    return (
        segment.lines.select_related("contact", "contact_company", "salesperson", "template")
        .only(
            "id",
            "segment_id",
            "line_no",
            "correspondence_type",
            "cost",
            "date",
            "contact__id",
            "contact__number",
            "contact__name",
            "contact__type",
            "contact__phone",
            "contact__mobile_phone",
            "contact__email",
            "contact_company__id",
            "contact_company__name",
            "salesperson__id",
            "salesperson__code",
            "template__id",
            "template__code",
        )
        .order_by("line_no")
    )


def segment_line_get(*, segment: Segment, pk: int) -> SegmentLine:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(segment.lines.select_related("contact", "segment"), pk=pk)


def segment_actions(*, segment: Segment) -> models.QuerySet[SegmentCriteriaAction]:
    return segment.criteria_actions.select_related("created_by").order_by("position")


def segment_job_get(*, segment: Segment, job_id: int, user=None) -> BulkJob:
    """Only its owner and administrators open a job (``crm.selectors.bulk_jobs_visible``),
    except the segment's running job, whose progress its card shows to every viewer."""
    from django.shortcuts import get_object_or_404

    jobs = BulkJob.objects.filter(pk=job_id) if segment.running_job_id == job_id else None
    return get_object_or_404(
        jobs if jobs is not None else bulk_jobs_visible(user=user),
        pk=job_id,
        target_type=Segment._meta.label_lower,
        target_id=segment.pk,
    )


def segment_log_job_get(*, job_id: int, user=None) -> BulkJob:
    """A segment log job (its segment is gone once it succeeded, so it is not loaded)."""
    from django.shortcuts import get_object_or_404

    from .services import LOG_JOB_KIND

    return get_object_or_404(
        bulk_jobs_visible(user=user),
        pk=job_id,
        kind=LOG_JOB_KIND,
        target_type=Segment._meta.label_lower,
    )


def saved_criteria_list() -> models.QuerySet[SavedSegmentCriteria]:
    return (
        SavedSegmentCriteria.objects.select_related("user")
        .annotate(action_count=Count("actions"))
        .order_by("code", "id")  # Meta.ordering does not apply to an aggregate query
    )


def logged_segment_list() -> models.QuerySet[LoggedSegment]:
    return LoggedSegment.objects.select_related("user")


def segment_export_rows(*, segment: Segment) -> Iterator[str]:
    """SEG-51: CSV lines (header first), streamed from one server-side cursor."""
    writer = SafeWriter()
    yield writer.writerow([name for name, _lookup in EXPORT_COLUMNS])
    rows = (
        segment.lines.order_by("line_no")
        .values_list(*(lookup for _name, lookup in EXPORT_COLUMNS))
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    for row in rows:
        yield writer.writerow(row)


def segment_integrity_report():
    """The latest integrity check of lines and history (None before the first run)."""
    return SegmentIntegrityReport.objects.filter(pk=1).first()
