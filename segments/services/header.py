"""Segment header and lines (SEG-1..9): create, update, delete, the line values of
SEG-4/5, and the helpers every other segment service shares (lock, busy check, CMP-23
notification, bulk statement settings, ANALYZE after bulk writes).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Contact, ContactAltAddressDateRange
from crm.concurrency import ensure_not_stale
from crm.exceptions import ApplicationError
from crm.services import (
    model_update,
)
from crm.sql import Alias, column, columns, table
from interactions.models import InteractionTemplate
from segments.models import (
    Segment,
    SegmentCriteriaAction,
    SegmentHistory,
    SegmentInteractionLanguage,
    SegmentLine,
)
from segments.signals import segment_campaign_targets_changed
from setup.models import ContactType
from setup.services import number_assign, salesperson_for_user, salesperson_validate_choosable

CRITERIA_JOB_KIND = "segment_apply_criteria"
BULK_WORK_MEM = "256MB"
# After a bulk write of at least ANALYZE_AFTER_ROWS rows that is also ANALYZE_SHARE of the
# table's rows, the writing service runs ANALYZE on that table in the same transaction, so the
# user's next query does not plan with statistics that say "a few rows" (decision 0006).
ANALYZE_AFTER_ROWS = 20_000
ANALYZE_SHARE = 0.10
# The in-transaction ANALYZE only has to stop the very next query from planning with "a few
# rows"; autovacuum's own ANALYZE (on, as the product configures PostgreSQL) follows within a
# minute with the full statistics target, since the write changed ≥ 10 % of the table. A
# sample of 300 × 30 rows instead of 300 × 100 takes 70 ms instead of 210-250 ms on the lines
# of the 1,000,000-contact benchmark (decision 0012).
ANALYZE_STATISTICS_TARGET = 30
# The columns whose statistics the segments' own queries plan with (keys, joins, the
# partial indexes); analyzing only these takes half the time of the whole line table
# (0.10 s against 0.20 s on 1,000,000 contacts). Other tables are analyzed whole.
ANALYZE_COLUMNS = {
    "segments_segmentline": (
        "segment_id",
        "line_no",
        "contact_id",
        "added_by_position",
        "campaign_id",
        "alt_address_id",
    ),
}
OPTION_FIELDS = [
    "allow_existing_contacts",
    "expand_companies",
    "allow_related_companies",
    "ignore_exclusion",
    "entire_companies",
]
HEADER_FIELDS = [
    "description",
    "salesperson",
    "date",
    "template",
    "default_language",
    "default_subject",
    "correspondence_type",
    "ignore_contact_correspondence_type",
    "send_attachment_as_file",
    "unit_cost",
    "unit_duration_min",
    "information_flow",
    "initiated_by",
    "group",
    "campaign",
    "is_campaign_target",
    "is_campaign_response",
]
# SEG-3: header field → line field updated on "Update the lines?" = yes.
HEADER_TO_LINE = {
    "description": "description",
    "salesperson": "salesperson",
    "correspondence_type": "correspondence_type",
    "unit_cost": "cost",
    "unit_duration_min": "duration_min",
    "date": "date",
    "is_campaign_target": "is_campaign_target",
    "is_campaign_response": "is_campaign_response",
    "information_flow": "information_flow",
    "initiated_by": "initiated_by",
    "group": "group",
    "campaign": "campaign",  # CA-2
}
# SEG-2: template field → header field.
TEMPLATE_TO_HEADER = {
    "default_language": "default_language",
    "group": "group",
    "unit_cost": "unit_cost",
    "unit_duration_min": "unit_duration_min",
    "information_flow": "information_flow",
    "initiated_by": "initiated_by",
    "is_campaign_target": "is_campaign_target",
    "is_campaign_response": "is_campaign_response",
    "correspondence_type": "correspondence_type",
    "ignore_contact_correspondence_type": "ignore_contact_correspondence_type",
}


def _msg_busy(segment: Segment) -> str:
    return _("Segment %(number)s is busy: a background job is working on it.") % {
        "number": segment.number
    }


# -- header -------------------------------------------------------------------------------------


def _apply_template_to_header(segment: Segment, template: InteractionTemplate | None) -> None:
    """SEG-2: copy the template's defaults to the header."""
    if template is None:
        return
    for source, target in TEMPLATE_TO_HEADER.items():
        setattr(segment, target, getattr(template, source))


def _copy_template_languages(segment: Segment, template: InteractionTemplate | None) -> None:
    SegmentInteractionLanguage.objects.filter(segment=segment, line__isnull=True).delete()
    if template is None:
        return
    SegmentInteractionLanguage.objects.bulk_create(
        SegmentInteractionLanguage(
            segment=segment,
            language_id=row.language_id,
            description=row.description,
            subject=row.email_subject,
            attachment=row.attachment,
            email_body=row.email_body,
            send_attachment_as_file=row.send_attachment_as_file,
        )
        for row in template.languages.all()
    )


@transaction.atomic
def segment_create(*, user, data: dict[str, Any]) -> Segment:
    """SEG-1/2: number from the series, today, the user's salesperson, template defaults."""
    data = dict(data)
    issued = number_assign(
        setup_field="segment_series",
        model=Segment,
        typed_number=data.pop("number", "") or "",
        chosen_series=data.pop("number_series", None),
    )
    segment = Segment(number=issued.number, number_series=issued.series, created_by=user)
    if not data.get("date"):
        data["date"] = timezone.localdate()
    if "salesperson" not in data or data["salesperson"] is None:
        data["salesperson"] = salesperson_for_user(user)
    else:
        salesperson_validate_choosable(data["salesperson"])
    template = data.get("template")
    _apply_template_to_header(segment, template)
    for field in HEADER_FIELDS:
        if field in data and (template is None or field not in TEMPLATE_TO_HEADER.values()):
            setattr(segment, field, data[field])
    for flag in ("is_campaign_target", "is_campaign_response"):
        if data.get(flag):  # ticked on the create form: wins over the template's blank flag
            setattr(segment, flag, True)
    segment.full_clean()
    segment.save()
    _copy_template_languages(segment, template)
    return segment


def _busy_check(segment: Segment) -> None:
    if segment.running_job_id and not segment.running_job.is_finished:
        raise ApplicationError(_msg_busy(segment))


@transaction.atomic
def segment_update(
    *,
    segment: Segment,
    data: dict[str, Any],
    update_lines: bool = False,
    apply_template_to_lines: bool = False,
    expected_version: str | None = None,
) -> Segment:
    """SEG-3: header changes; ``update_lines``/``apply_template_to_lines`` are the answers.

    ``expected_version`` is the edit form's token (crm.concurrency): a stale save is refused.
    Campaign or target changes that reach the lines notify campaigns (CMP-23)."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    _busy_check(segment)
    ensure_not_stale(
        instance=segment,
        expected_version=expected_version,
        fields=[f for f in HEADER_FIELDS if f in data],
        data=data,
    )
    campaigns_before = _segment_campaign_ids(segment)
    old_template_id = segment.template_id
    data = dict(data)
    if "salesperson" in data and data["salesperson"] != segment.salesperson:
        salesperson_validate_choosable(data["salesperson"])
    template_changed = "template" in data and (
        getattr(data["template"], "pk", None) != old_template_id
    )
    if template_changed:
        probe = Segment(**{f: getattr(segment, f) for f in TEMPLATE_TO_HEADER.values()})
        _apply_template_to_header(probe, data["template"])
        for field in TEMPLATE_TO_HEADER.values():
            data.setdefault(field, getattr(probe, field))
    old = {field: getattr(segment, field) for field in HEADER_TO_LINE}
    segment, _changed = model_update(instance=segment, fields=HEADER_FIELDS, data=data)
    if template_changed:
        _copy_template_languages(segment, segment.template)
        if apply_template_to_lines:
            segment_lines_rederive(segment=segment)
            _notify_all_lines(segment, campaigns_before)
            return segment
    if update_lines:
        updates = {
            line_field: getattr(segment, header_field)
            for header_field, line_field in HEADER_TO_LINE.items()
            if getattr(segment, header_field) != old[header_field]
        }
        if updates:
            lines = segment.lines.all()
            lines = (
                lines.filter(template_id=old_template_id)
                if old_template_id
                else lines.filter(template__isnull=True)
            )
            lines.update(**updates, updated_at=timezone.now())
            if {"campaign", "is_campaign_target"} & set(updates):
                _notify_all_lines(segment, campaigns_before)
    return segment


def _notify_all_lines(segment: Segment, campaigns_before: set[int]) -> None:
    """CMP-23 after a change that may reach every line's campaign or target flag."""
    segment_targets_notify(
        campaign_ids=campaigns_before | _segment_campaign_ids(segment),
        contact_ids=set(segment.lines.values_list("contact_id", flat=True)),
    )


def segment_lines_rederive(*, segment: Segment) -> int:
    """SEG-3/SEG-6: re-derive every line from the header (set-based UPDATE … FROM contacts)."""
    columns, expressions, params = _line_values(
        segment, line_no_expr=Alias(SegmentLine, "l").line_no
    )
    kept_out = {column(SegmentLine, n) for n in ("segment", "line_no", "contact", "created_at")}
    assignments = ", ".join(
        f"{col} = {expr}"
        for col, expr in zip(columns, expressions, strict=True)
        if col not in kept_out
    )
    # Expressions read the contact as ``src``; keep the params of the skipped columns out.
    kept_params: list = []
    for col, expr_params in zip(columns, params, strict=True):
        if col not in kept_out:
            kept_params.extend(expr_params)
    alt_sql, alt_params = _alt_address_join(segment)
    line, src = Alias(SegmentLine, "l"), Alias(Contact, "src")
    sql = f"""
        UPDATE {table(SegmentLine)} AS {line} SET {assignments}
        FROM {table(Contact)} AS {src} {alt_sql}
        WHERE {src.id} = {line.contact} AND {line.segment} = %s
    """  # noqa: S608 (identifiers from crm.sql, values bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*kept_params, *alt_params, segment.pk])
        return cursor.rowcount


@transaction.atomic
def segment_delete(*, segment: Segment) -> None:
    """SEG-9: lines, actions, history and language rows go with it (CASCADE, set-based)."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    _busy_check(segment)
    campaign_ids = _segment_campaign_ids(segment)
    contact_ids = _line_contact_ids(segment, campaign_ids)
    SegmentHistory.objects.filter(segment=segment).delete()
    SegmentInteractionLanguage.objects.filter(segment=segment).delete()
    _lines_delete(segment)
    _segment_row_delete(segment)
    segment_targets_notify(campaign_ids=campaign_ids, contact_ids=contact_ids)  # SEG-9/CMP-23


def _lines_delete(segment: Segment) -> int:
    """Delete every line of the segment in two statements (Django's collector would load each
    line to cascade to its language rows)."""
    with connection.cursor() as cursor:

        def language(name: str) -> str:
            return column(SegmentInteractionLanguage, name)

        cursor.execute(
            f"DELETE FROM {table(SegmentInteractionLanguage)} "  # noqa: S608 (names from crm.sql)
            f"WHERE {language('segment')} = %s AND {language('line')} IS NOT NULL",
            [segment.pk],
        )
        cursor.execute(
            f"DELETE FROM {table(SegmentLine)} "  # noqa: S608 (identifiers from crm.sql)
            f"WHERE {column(SegmentLine, 'segment')} = %s",
            [segment.pk],
        )
        return cursor.rowcount


# The reverse relations of Segment that segment_delete and segment_log empty themselves.
_SEGMENT_CHILDREN = {"lines", "languages", "criteria_actions", "history"}


def _segment_row_delete(segment: Segment) -> None:
    """Delete the segment row once its lines, history and language rows are gone. Django's
    collector would first re-read the lines just deleted (their dead index entries: ~0.1 s
    per 10,000 lines); when Segment has no other reverse relation, its criteria actions and
    the row go in two statements, else the collector does it."""
    others = [
        rel
        for rel in Segment._meta.related_objects
        if rel.get_accessor_name() not in _SEGMENT_CHILDREN
    ]
    if others:
        segment.delete()
        return
    SegmentCriteriaAction.objects.filter(segment=segment).delete()  # no children: one DELETE
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table(Segment)} WHERE {column(Segment, 'id')} = %s",  # noqa: S608 (crm.sql)
            [segment.pk],
        )


# -- line values (SEG-4/5) ----------------------------------------------------------------------


def _language_ids(segment: Segment) -> list[int]:
    ids = set(
        SegmentInteractionLanguage.objects.filter(segment=segment, line__isnull=True).values_list(
            "language_id", flat=True
        )
    )
    if segment.template_id:
        ids |= set(segment.template.languages.values_list("language_id", flat=True))
    return sorted(ids)


# The contact columns ``_line_values`` reads as ``src``; a statement selecting them from a
# contact alias (``_line_source_columns("c")``) keeps their own names for ``src``.
LINE_SOURCE_FIELDS = ("id", "type", "company", "salesperson", "language", "correspondence_type")


def _line_source_columns(alias: str) -> str:
    return columns(Contact, *LINE_SOURCE_FIELDS, alias=alias)


def _line_values(segment: Segment, *, line_no_expr: str) -> tuple[list[str], list[str], list]:
    """Columns, SQL expressions over the contact ``src`` and their params (one list each).

    SEG-4: header defaults, the contact's company, the language per INT-6, the active
    alternate address on the line date, the header's salesperson else the contact's.
    SEG-5: correspondence type.
    """
    src = Alias(Contact, "src")  # the contact, or a CTE selecting its columns by their names
    template = segment.template
    template_type = template.correspondence_type if template else segment.correspondence_type
    template_ignores = bool(template and template.ignore_contact_correspondence_type)
    values: list[tuple[str, str, list]] = [
        ("segment", "%s::bigint", [segment.pk]),
        ("line_no", line_no_expr, []),
        ("contact", src.id, []),
        (
            "contact_company",
            f"CASE WHEN {src.type} = %s THEN {src.id} ELSE {src.company} END",
            [ContactType.COMPANY],
        ),
        ("salesperson", f"COALESCE(%s::bigint, {src.salesperson})", [segment.salesperson_id]),
        (
            "correspondence_type",
            f"CASE WHEN %s THEN %s WHEN %s OR {src.correspondence_type} = '' THEN %s "
            f"ELSE {src.correspondence_type} END",
            [
                segment.ignore_contact_correspondence_type,
                segment.correspondence_type,
                template_ignores,
                template_type,
            ],
        ),
        ("template", "%s::bigint", [segment.template_id]),
        ("group", "%s::bigint", [segment.group_id]),
        ("cost", "%s::numeric", [segment.unit_cost]),
        ("duration_min", "%s::numeric", [segment.unit_duration_min]),
        (
            "language",
            f"CASE WHEN {src.language} = ANY(%s::bigint[]) THEN {src.language} ELSE %s::bigint END",
            [_language_ids(segment), segment.default_language_id],
        ),
        ("subject", "%s", [segment.default_subject]),
        ("description", "%s", [segment.description]),
        ("date", "%s::date", [segment.date]),
        ("information_flow", "%s", [segment.information_flow]),
        ("initiated_by", "%s", [segment.initiated_by]),
        ("campaign", "%s::bigint", [segment.campaign_id]),
        ("is_campaign_target", "%s", [segment.is_campaign_target]),
        ("is_campaign_response", "%s", [segment.is_campaign_response]),
        (
            "alt_address",
            Alias(ContactAltAddressDateRange, "alt").alt_address,
            [],
        ),  # _alt_address_join
        ("created_at", "now()", []),
        ("updated_at", "now()", []),
    ]
    columns = [column(SegmentLine, name) for name, _e, _p in values]
    return columns, [e for _c, e, _p in values], [p for _c, _e, p in values]


def _alt_address_join(segment: Segment) -> tuple[str, list]:
    """SEG-4 (CON-41): ``LEFT JOIN`` of each contact's active alternate address on the
    segment date, as ``alt``, for the statements that read the contact as ``src``. One hash
    of the (few) active date ranges instead of an index probe per line (0.17 s per 34,000
    lines)."""
    r, alt = Alias(ContactAltAddressDateRange, "r"), Alias(ContactAltAddressDateRange, "alt")
    src = Alias(Contact, "src")
    sql = f"""
        LEFT JOIN (
            SELECT DISTINCT ON ({r.contact}) {r.contact}, {r.alt_address}
            FROM {table(ContactAltAddressDateRange)} {r}
            WHERE {r.starting_date} <= %s::date
              AND ({r.ending_date} IS NULL OR {r.ending_date} >= %s::date)
            ORDER BY {r.contact}, {r.starting_date} DESC
        ) {alt} ON {alt.contact} = {src.id}
    """  # noqa: S608 (identifiers from crm.sql, values bound)
    return sql, [segment.date, segment.date]


def _flat(params: list[list]) -> list:
    return [value for group in params for value in group]


@contextmanager
def _bulk_statement(cursor):
    """Settings for one statement over up to a million lines, restored afterwards: sort the
    new lines in memory instead of on disk, and skip JIT compilation (measured: 0.6 s of
    compiling for a statement that runs in a few seconds either way)."""
    cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
    work_mem, jit = cursor.fetchone()
    cursor.execute(
        "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)", [BULK_WORK_MEM]
    )
    try:
        yield cursor
    finally:
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)", [work_mem, jit]
        )


def analyze_if_large_share(*models_changed: tuple[type[models.Model], int]) -> list[str]:
    """ANALYZE each table whose ``changed`` rows are a large share of it (ANALYZE_AFTER_ROWS
    and ANALYZE_SHARE of ``pg_class.reltuples``); returns the tables analyzed.

    Example: after an add of 335,000 lines a reduce/refine planned with the old statistics
    probes the contact index once per matching contact (2.9 s instead of 0.7 s). ANALYZE in
    the writing transaction counts its own new rows as live and its own deleted rows as dead,
    so the statistics describe the state being committed. It samples 300 ×
    ANALYZE_STATISTICS_TARGET rows (~0.03-0.1 s on a million-row table); autovacuum's ANALYZE
    follows with the full target."""
    wanted = [
        (model, changed) for model, changed in models_changed if changed >= ANALYZE_AFTER_ROWS
    ]
    if not wanted:
        return []
    analyzed = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('default_statistics_target', %s, true)",
            [str(ANALYZE_STATISTICS_TARGET)],
        )
        for model, changed in wanted:
            cursor.execute(
                "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
            rows_before = row[0] if row else 0
            if changed >= ANALYZE_SHARE * rows_before:
                names = ANALYZE_COLUMNS.get(model._meta.db_table, ())
                listed = f" ({', '.join(names)})" if names else ""
                cursor.execute(f"ANALYZE {table(model)}{listed}")
                analyzed.append(model._meta.db_table)
        cursor.execute("SET LOCAL default_statistics_target TO DEFAULT")
    return analyzed


def _lock(segment: Segment) -> Segment:
    return (
        Segment.objects.select_for_update(of=("self",))
        .select_related("template")
        .get(pk=segment.pk)
    )


def _today() -> dt.date:
    return timezone.localdate()


def _segment_campaign_ids(segment: Segment, *, targets_only: bool = True) -> set[int]:
    """The campaigns on the segment's header and lines (with the target flag by default)."""
    lines = SegmentLine.objects.filter(segment=segment, campaign__isnull=False)
    if targets_only:
        lines = lines.filter(is_campaign_target=True)
    ids = set(lines.values_list("campaign_id", flat=True).distinct())
    if segment.campaign_id and (segment.is_campaign_target or not targets_only):
        ids.add(segment.campaign_id)
    return ids


def _line_contact_ids(segment: Segment, campaign_ids: set[int]) -> set[int]:
    """CMP-23: the contacts of the segment's lines, read only when there is a campaign target
    to tell (a segment without one skips a read of every line)."""
    if not campaign_ids:
        return set()
    return set(segment.lines.values_list("contact_id", flat=True))


def segment_targets_notify(*, campaign_ids, contact_ids) -> None:
    """CMP-23: tell the campaigns area (decision 0004) that target lines of these campaigns
    and contacts may have been inserted, changed or deleted. Sent inside the transaction."""
    campaign_ids = {pk for pk in campaign_ids if pk}
    contact_ids = {pk for pk in contact_ids if pk}
    if campaign_ids and contact_ids:
        segment_campaign_targets_changed.send(
            sender=SegmentLine, campaign_ids=campaign_ids, contact_ids=contact_ids
        )
