"""Integrity check of segment lines and history (decision 0006: no database foreign keys).

Lines and history rows reference their segment and contact without a database constraint;
the services and Django's collector keep them consistent. This check, run by Celery beat
(``segment_integrity_check_task``), finds the rows whose segment or contact no longer exists
(a raw delete, a restore, a bug) and records their count and a short list in the single
``SegmentIntegrityReport`` row, which the segments' setup page shows. It also reports the
line numbers used twice in a segment: the services number lines under the segment's lock,
and no unique index checks it (decision 0012). Idempotent: each run replaces the report and
changes nothing else.
"""

from __future__ import annotations

from django.db import connection, models, transaction
from django.utils import timezone

from contacts.models import Contact
from crm.sql import column, columns, table
from segments.models import Segment, SegmentHistory, SegmentIntegrityReport, SegmentLine

INTEGRITY_SAMPLE_SIZE = 10  # rows listed per kind on the setup page


def _orphans(model: type[models.Model], *, keys: tuple[str, ...]) -> tuple[int, list[dict]]:
    """Count and list (the first INTEGRITY_SAMPLE_SIZE by segment and ``keys[1]``) the rows of
    ``model`` whose segment or contact is missing; two hashed anti-joins, one scan."""
    segment, contact = column(model, "segment", "r"), column(model, "contact", "r")
    s_id, c_id = column(Segment, "id", "s"), column(Contact, "id", "c")
    sql = f"""
        SELECT {columns(model, *keys, alias="r")},
               {s_id} IS NULL AS segment_missing, {c_id} IS NULL AS contact_missing,
               count(*) OVER () AS total
        FROM {table(model)} r
        LEFT JOIN {table(Segment)} s ON {s_id} = {segment}
        LEFT JOIN {table(Contact)} c ON {c_id} = {contact}
        WHERE {s_id} IS NULL OR {c_id} IS NULL
        ORDER BY {segment}, {column(model, keys[1], "r")}
        LIMIT %s
    """  # noqa: S608 (identifiers from crm.sql, the limit is bound)
    return _sampled(sql, (*keys, "segment_missing", "contact_missing"))


def _duplicate_line_numbers() -> tuple[int, list[dict]]:
    """Count and list the (segment, line number) pairs held by more than one line, with the
    segment's number; one ordered read of the (segment, line_no) index."""
    segment, line_no = column(SegmentLine, "segment", "l"), column(SegmentLine, "line_no", "l")
    s_id, s_number = column(Segment, "id", "s"), column(Segment, "number", "s")
    sql = f"""
        SELECT d.segment, {s_number}, d.line_no, d.lines, count(*) OVER () AS total
        FROM (
            SELECT {segment} AS segment, {line_no} AS line_no, count(*) AS lines
            FROM {table(SegmentLine)} l
            GROUP BY {segment}, {line_no}
            HAVING count(*) > 1
        ) d
        LEFT JOIN {table(Segment)} s ON {s_id} = d.segment
        ORDER BY d.segment, d.line_no
        LIMIT %s
    """  # noqa: S608 (identifiers from crm.sql, the limit is bound)
    return _sampled(sql, ("segment", "number", "line_no", "lines"))


def _sampled(sql: str, names: tuple[str, ...]) -> tuple[int, list[dict]]:
    """Run ``sql`` (its last column ``count(*) OVER ()``, its limit the one parameter) and
    return that count and the sampled rows as dicts of ``names``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [INTEGRITY_SAMPLE_SIZE])
        rows = cursor.fetchall()
    total = rows[0][-1] if rows else 0
    return total, [dict(zip(names, row[:-1], strict=True)) for row in rows]


@transaction.atomic
def segment_integrity_check() -> SegmentIntegrityReport:
    """Find orphan segment lines and history rows and line numbers used twice; store and
    return the report."""
    line_count, lines = _orphans(SegmentLine, keys=("segment", "line_no", "contact"))
    history_count, history = _orphans(
        SegmentHistory, keys=("segment", "action_position", "line_no", "contact")
    )
    duplicate_count, duplicates = _duplicate_line_numbers()
    report, _created = SegmentIntegrityReport.objects.update_or_create(
        pk=1,
        defaults={
            "checked_at": timezone.now(),
            "orphan_line_count": line_count,
            "orphan_history_count": history_count,
            "duplicate_line_count": duplicate_count,
            "sample": {"lines": lines, "history": history, "duplicates": duplicates},
        },
    )
    return report
