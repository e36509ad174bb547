"""Logging a segment (SEG-40..42); the interaction writes are the interactions area's."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.models import Contact, ContactAltAddressDateRange
from crm.sql import Alias, table
from interactions.campaign_entries import campaign_entries_for_logged_segment
from segments.models import (
    LoggedSegment,
    Segment,
    SegmentHistory,
    SegmentInteractionLanguage,
    SegmentLine,
)
from setup.models import CorrespondenceType

from .header import (
    _alt_address_join,
    _busy_check,
    _flat,
    _line_source_columns,
    _line_values,
    _lines_delete,
    _lock,
    _segment_campaign_ids,
    _segment_row_delete,
    analyze_if_large_share,
    segment_create,
    segment_targets_notify,
)

# -- logging (SEG-40..42; the interaction writes are the interactions area's) -------------------


def segment_log_check(*, segment: Segment, send: bool = False) -> None:
    """SEG-40 preconditions; raises ValidationError naming the field or the contact."""
    if LoggedSegment.objects.filter(segment_number=segment.number).exists():
        raise ValidationError(
            _("Segment %(number)s has already been logged.") % {"number": segment.number}
        )
    if not segment.description:
        raise ValidationError({"description": _("You must fill in the description.")})
    lines = segment.lines.all()
    if not lines.exists():
        raise ValidationError(
            _("Segment %(number)s has no lines with a contact.") % {"number": segment.number}
        )
    missing = lines.filter(
        models.Q(date__isnull=True)
        | models.Q(template__isnull=True)
        | models.Q(salesperson__isnull=True)
    ).first()
    if missing is not None:
        raise ValidationError(
            _("Line %(line_no)s needs a date, a template and a salesperson.")
            % {"line_no": missing.line_no}
        )
    blocked = _first_privacy_blocked(segment)
    if blocked is not None:
        raise ValidationError(
            _("Contact %(number)s %(name)s is blocked due to privacy.")
            % {"number": blocked[0], "name": blocked[1]}
        )


def _first_privacy_blocked(segment: Segment) -> tuple[str, str] | None:
    """SEG-40/CON-54: number and name of the first line's contact that is privacy-blocked or
    whose company is. The blocked contacts are few: their ids are read first and the lines
    found through the contact index (a join per line cost 0.5 s per 10,000 lines)."""
    blocked = list(
        Contact.objects.filter(is_privacy_blocked=True).order_by().values_list("pk", flat=True)
    )
    if not blocked:
        return None
    persons = Contact.objects.filter(company_id__in=blocked).order_by()
    blocked += persons.values_list("pk", flat=True)
    return (
        segment.lines.filter(contact_id__in=blocked)
        .order_by("line_no")
        .values_list("contact__number", "contact__name")
        .first()
    )


FOLLOW_UP_DESCRIPTION = gettext_noop("Follow-up on segment %(number)s")


def _email_check(segment: Segment) -> None:
    """SEG-40 with "send": every e-mail line's contact (or its active alternate address on the
    line date) must have an e-mail; one query for the first offender."""
    alt_table, contacts = table(ContactAltAddressDateRange), table(Contact)
    from contacts.models import ContactAltAddress

    c, line = Alias(Contact, "c"), Alias(SegmentLine, "l")
    r, a = Alias(ContactAltAddressDateRange, "r"), Alias(ContactAltAddress, "a")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {c.number}, {c.name} FROM {table(SegmentLine)} {line}
            JOIN {contacts} {c} ON {c.id} = {line.contact}
            WHERE {line.segment} = %s AND {line.correspondence_type} = %s AND {c.email} = ''
              AND NOT EXISTS (
                SELECT 1 FROM {alt_table} {r} JOIN {table(ContactAltAddress)} {a}
                  ON {a.id} = {r.alt_address}
                WHERE {r.contact} = {c.id} AND {r.starting_date} <= COALESCE({line.date}, %s)
                  AND ({r.ending_date} IS NULL OR {r.ending_date} >= COALESCE({line.date}, %s))
                  AND {a.email} <> ''
              )
            ORDER BY {line.line_no} LIMIT 1
            """,  # noqa: S608 (identifiers from crm.sql, values bound)
            [segment.pk, CorrespondenceType.EMAIL, segment.date, segment.date],
        )
        row = cursor.fetchone()
    if row is not None:
        raise ValidationError(
            _("Contact %(number)s %(name)s has no e-mail address.")
            % {"number": row[0], "name": row[1]}
        )


def _log_attachments(segment: Segment) -> dict[int, int]:
    """SEG-41 "attachments become read-only": one read-only Attachment per language row of
    the segment that has a file and is used by a line (a handful of rows, not one per line);
    every interaction of that language points at it. Returns {language row id: attachment id}.
    """
    from interactions.models import Attachment

    used = segment.lines.values("language_id")
    rows = (
        SegmentInteractionLanguage.objects.filter(segment=segment, language_id__in=used)
        .exclude(attachment="")
        .only("id", "attachment")
    )
    mapping = {}
    for row in rows:
        name = row.attachment.name
        attachment = Attachment.objects.create(
            file=name, file_name=name.rsplit("/", 1)[-1], is_read_only=True
        )
        mapping[row.pk] = attachment.pk
    return mapping


def _log_rows_sql(
    segment: Segment,
    logged: LoggedSegment,
    *,
    user,
    send: bool,
    entries: dict[int, int],
    attachments: dict[int, int] | None = None,
) -> tuple[str, list, list[str]]:
    """SEG-41: the SELECT of the interaction rows, one per line, copying the line's values."""
    from contacts.models import ContactAltAddress

    languages = table(SegmentInteractionLanguage)
    campaign_ids = sorted(entries)
    row_ids = sorted(attachments or {})
    attachment_ids = [attachments[pk] for pk in row_ids]
    columns = [
        "contact_id",
        "contact_company_id",
        "contact_name_snapshot",
        "date",
        "time",
        "description",
        "subject",
        "information_flow",
        "initiated_by",
        "cost",
        "duration_min",
        "user_id",
        "salesperson_id",
        "group_id",
        "template_id",
        "language_id",
        "campaign_id",
        "campaign_entry_id",
        "is_campaign_target",
        "is_campaign_response",
        "segment_number",
        "logged_segment_id",
        "evaluation",
        "attempt_failed",
        "correspondence_type",
        "alt_address_id",
        "contact_via",
        "email_body",
        "attachment_id",
    ]
    line, c = Alias(SegmentLine, "l"), Alias(Contact, "c")
    a = Alias(ContactAltAddress, "a")
    ll, hl = Alias(SegmentInteractionLanguage, "ll"), Alias(SegmentInteractionLanguage, "hl")
    # The output names are the entry attnames in ``columns`` (checked by the interactions
    # service); a line column read as is gets its entry name with AS.
    sql = f"""
        SELECT {line.contact} AS contact_id,
               COALESCE({line.contact_company}, {line.contact}) AS contact_company_id,
               LEFT({c.name}, 100) AS contact_name_snapshot, {line.date} AS date,
               {line.time} AS time,
               LEFT(COALESCE(NULLIF({line.description}, ''), {ll.description}, {hl.description},
                    ''), 100) AS description,
               LEFT(COALESCE(NULLIF({line.subject}, ''), NULLIF({ll.subject}, ''), {hl.subject},
                    ''), 100) AS subject,
               {line.information_flow} AS information_flow, {line.initiated_by} AS initiated_by,
               {line.cost} AS cost, {line.duration_min} AS duration_min,
               %s::integer AS user_id, {line.salesperson} AS salesperson_id,
               {line.group} AS group_id, {line.template} AS template_id,
               {line.language} AS language_id, {line.campaign} AS campaign_id,
               ce.entry_id AS campaign_entry_id,
               {line.is_campaign_target} AS is_campaign_target,
               {line.is_campaign_response} AS is_campaign_response,
               %s AS segment_number,
               %s::bigint AS logged_segment_id, {line.evaluation} AS evaluation,
               {line.attempt_failed} AS attempt_failed,
               CASE WHEN {line.correspondence_type} = %s AND NOT %s THEN ''
                    ELSE {line.correspondence_type} END AS correspondence_type,
               {line.alt_address} AS alt_address_id,
               LEFT(COALESCE(NULLIF({line.contact_via}, ''),
                    CASE WHEN {line.correspondence_type} = %s AND {c.email} = ''
                         THEN NULLIF({a.email}, '') END, ''), 80) AS contact_via,
               COALESCE({ll.email_body}, {hl.email_body}, '') AS email_body,
               COALESCE(lla.attachment_id, hla.attachment_id) AS attachment_id
        FROM {table(SegmentLine)} {line}
        JOIN {table(Contact)} {c} ON {c.id} = {line.contact}
        LEFT JOIN {table(ContactAltAddress)} {a} ON {a.id} = {line.alt_address}
        LEFT JOIN (SELECT unnest(%s::bigint[]) AS campaign_id,
                          unnest(%s::bigint[]) AS entry_id) ce
             ON ce.campaign_id = {line.campaign}
        LEFT JOIN {languages} {ll} ON {ll.line} = {line.id} AND {ll.language} = {line.language}
        LEFT JOIN {languages} {hl} ON {hl.segment} = {line.segment} AND {hl.line} IS NULL
             AND {hl.language} = {line.language}
        LEFT JOIN (SELECT unnest(%s::bigint[]) AS row_id,
                          unnest(%s::bigint[]) AS attachment_id) lla ON lla.row_id = {ll.id}
        LEFT JOIN (SELECT unnest(%s::bigint[]) AS row_id,
                          unnest(%s::bigint[]) AS attachment_id) hla ON hla.row_id = {hl.id}
        WHERE {line.segment} = %s
        ORDER BY {line.line_no}
    """  # noqa: S608 (identifiers from crm.sql, values bound)
    params = [
        getattr(user, "pk", None),
        segment.number,
        logged.pk,
        CorrespondenceType.EMAIL,
        send,
        CorrespondenceType.EMAIL,
        campaign_ids,
        [entries[pk] for pk in campaign_ids],
        row_ids,
        attachment_ids,
        row_ids,
        attachment_ids,
        segment.pk,
    ]
    return sql, params, columns


@transaction.atomic
def segment_log(
    *,
    segment: Segment,
    user,
    send: bool = False,
    follow_up: bool = False,
    queue: str | None = None,
    job_id: int | None = None,
):
    """SEG-40..42 in one transaction: check, record the LoggedSegment, one campaign entry per
    campaign (``interactions.campaign_entries``: campaigns create them, decision 0009), one
    interaction per line copying the line's values (one ``INSERT … SELECT`` through
    ``interactions_bulk_log_from_rows``), the follow-up segment, CMP-23, then delete the
    segment. With ``send`` the e-mail lines' delivery is queued after commit (INT-21).

    Idempotent: the segment is deleted in the same transaction, and a segment number can be
    logged once, so a replay finds nothing to log. Returns ``(logged, None, follow_up)``
    (the second item was the former bulk-log job; kept for callers). ``job_id`` is the log
    job running it (the busy check then lets that job through, see ``segment_log_start``).
    """
    from interactions.models import InteractionLogEntry
    from interactions.services import (
        interactions_bulk_log_from_rows,
        interactions_deliver_enqueue_many,
    )

    segment = _lock(segment)
    if job_id is None or segment.running_job_id != job_id:
        _busy_check(segment)
    segment_log_check(segment=segment, send=send)
    if send:
        _email_check(segment)
    logged = LoggedSegment.objects.create(
        segment_number=segment.number, description=segment.description, user=user
    )
    campaign_ids = set(
        segment.lines.filter(campaign__isnull=False).values_list("campaign_id", flat=True)
    )
    created = campaign_entries_for_logged_segment(  # decision 0009
        logged_segment=logged,
        campaign_ids=campaign_ids,
        description=segment.description,
        date=segment.date,
        user=user,
        salesperson=segment.salesperson,
    )
    entries: dict[int, int] = {pk: entry.pk for pk, entry in created.items()}
    rows_sql, rows_params, columns = _log_rows_sql(
        segment,
        logged,
        user=user,
        send=send,
        entries=entries,
        attachments=_log_attachments(segment),
    )
    interactions_bulk_log_from_rows(  # analyzes the entries table when it changed enough
        rows_sql=rows_sql, rows_params=rows_params, columns=columns
    )
    if send:
        interactions_deliver_enqueue_many(
            entries=InteractionLogEntry.objects.filter(logged_segment=logged)
        )
    target_campaigns = _segment_campaign_ids(segment)
    contact_ids = (  # CMP-23; read only when a campaign target is on the segment
        set(segment.lines.values_list("contact_id", flat=True)) if target_campaigns else set()
    )
    new_segment = None
    if follow_up:
        new_segment = segment_create(
            user=user,
            data={
                "description": (_(FOLLOW_UP_DESCRIPTION) % {"number": segment.number})[:100],
                "salesperson": segment.salesperson,
                "campaign": segment.campaign,
            },
        )
        src = Alias(SegmentLine, "src")
        columns, expressions, value_params = _line_values(new_segment, line_no_expr=src.line_no)
        alt_sql, alt_params = _alt_address_join(new_segment)
        c, line = Alias(Contact, "c"), Alias(SegmentLine, "l")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table(SegmentLine)} ({", ".join(columns)})
                SELECT {", ".join(expressions)} FROM (
                    SELECT DISTINCT ON ({c.id}) {_line_source_columns(c)}, {line.line_no}
                    FROM {table(SegmentLine)} {line} JOIN {table(Contact)} {c}
                         ON {c.id} = {line.contact}
                    WHERE {line.segment} = %s ORDER BY {c.id}, {line.line_no}
                ) src {alt_sql}
                """,  # noqa: S608 (identifiers from crm.sql, values bound)
                [*_flat(value_params), segment.pk, *alt_params],
            )
    SegmentHistory.objects.filter(segment=segment).delete()
    SegmentInteractionLanguage.objects.filter(segment=segment).delete()
    deleted_lines = _lines_delete(segment)
    _segment_row_delete(segment)
    segment_targets_notify(campaign_ids=target_campaigns, contact_ids=contact_ids)
    # The entries' table was analyzed by the bulk log itself when it changed enough of it.
    analyze_if_large_share((SegmentLine, deleted_lines))
    return logged, None, new_segment
