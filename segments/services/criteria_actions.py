"""Criteria actions (SEG-20..28): add, reduce, refine, Go back, manual lines and saved
criteria. An add is one ``INSERT … SELECT`` whose lines carry the action's position
(decision 0008), a reduce/refine one ``DELETE … RETURNING`` feeding its history, Go back
one statement. No Python loop ever walks the contacts.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from contacts.models import Contact
from crm.exceptions import ApplicationError
from crm.models import normalize_code
from crm.sql import Alias, column, columns, table
from segments.criteria import CriteriaError, filter_count, matching_contacts_sql, normalize_filters
from segments.models import (
    LINE_NO_STEP,
    CriteriaActionKind,
    HistoryChange,
    SavedSegmentCriteria,
    SavedSegmentCriteriaAction,
    Segment,
    SegmentCriteriaAction,
    SegmentHistory,
    SegmentInteractionLanguage,
    SegmentLine,
)
from setup.models import ContactType

from .header import (
    OPTION_FIELDS,
    _alt_address_join,
    _bulk_statement,
    _busy_check,
    _flat,
    _line_contact_ids,
    _line_source_columns,
    _line_values,
    _lines_delete,
    _lock,
    _segment_campaign_ids,
    analyze_if_large_share,
    segment_targets_notify,
)

# -- criteria actions ---------------------------------------------------------------------------


def _next_line_no(segment: Segment) -> int:
    last = segment.lines.aggregate(last=models.Max("line_no"))["last"]
    return last or 0


def _add_sql(segment: Segment, action: SegmentCriteriaAction) -> tuple[str, list]:
    """SEG-20/21 as one INSERT … SELECT; each line carries the action's position, which is
    the action's record of what it inserted (SEG-23 as bent by decision 0008)."""
    match_sql, match_params = matching_contacts_sql(action.filters)
    contacts = table(Contact)
    p, c, co = Alias(Contact, "p"), Alias(Contact, "c"), Alias(Contact, "co")
    line = Alias(SegmentLine, "l")
    candidates = ["SELECT id FROM sel"]
    candidate_params: list = []
    if action.expand_companies:
        candidates.append(
            f"SELECT {p.id} FROM {contacts} {p} WHERE {p.type} = %s "  # noqa: S608 (crm.sql names)
            f"AND {p.company} IN (SELECT id FROM sel)"
        )
        candidate_params.append(ContactType.PERSON)
    if action.allow_related_companies:
        candidates.append(
            f"SELECT {c.company} FROM {contacts} {c} WHERE {c.type} = %s "  # noqa: S608 (crm.sql names)
            f"AND {c.company} IS NOT NULL AND {c.id} IN (SELECT id FROM sel)"
        )
        candidate_params.append(ContactType.PERSON)
    conditions = [
        f"NOT {c.is_privacy_blocked}",
        f"NOT COALESCE({co.is_privacy_blocked}, false)",
    ]
    condition_params: list = []
    if not action.ignore_exclusion:
        conditions.append(f"NOT {c.exclude_from_segment}")
    if not action.allow_existing_contacts:
        conditions.append(
            f"NOT EXISTS (SELECT 1 FROM {table(SegmentLine)} {line} "  # noqa: S608 (crm.sql names)
            f"WHERE {line.segment} = %s AND {line.contact} = {c.id})"
        )
        condition_params.append(segment.pk)
    base = _next_line_no(segment)
    columns, expressions, value_params = _line_values(segment, line_no_expr="src.line_no")
    columns.append(column(SegmentLine, "added_by_position"))
    expressions.append("%s::integer")
    value_params.append([action.position])
    alt_sql, alt_params = _alt_address_join(segment)
    sql = f"""
        WITH sel AS ({match_sql}),
        numbered AS (
            SELECT {_line_source_columns(c)},
                   %s::bigint + %s::bigint * row_number() OVER (
                       ORDER BY COALESCE({co.name}, {c.company_name}), {co.number},
                                ({c.type} <> %s), {c.name}, {c.id}
                   ) AS line_no
            FROM {contacts} {c}
            LEFT JOIN {contacts} {co} ON {co.id} = {c.company}
            WHERE {c.id} IN ({" UNION ".join(candidates)}) AND {" AND ".join(conditions)}
        )
        INSERT INTO {table(SegmentLine)} ({", ".join(columns)})
        SELECT {", ".join(expressions)} FROM numbered src {alt_sql}
    """  # noqa: S608 (identifiers from crm.sql, values bound)
    # Params in textual order: sel, the numbering base/step/type, the candidates, the
    # conditions, the values.
    ordered = [*match_params, base, LINE_NO_STEP, ContactType.COMPANY]
    ordered += [*candidate_params, *condition_params, *_flat(value_params), *alt_params]
    return sql, ordered


def _history_columns() -> str:
    return columns(
        SegmentHistory,
        "segment",
        "action_position",
        "line_no",
        "contact",
        "change",
        "added_by_position",
    )


def _remove_sql(segment: Segment, action: SegmentCriteriaAction) -> tuple[str, list]:
    """SEG-22: reduce deletes matching lines, refine the non-matching ones; one DELETE."""
    match_sql, match_params = matching_contacts_sql(action.filters)
    contacts = table(Contact)
    p, line = Alias(Contact, "p"), Alias(SegmentLine, "l")
    matched = "SELECT id FROM m"
    if action.entire_companies:
        matched += (
            f" UNION SELECT {p.id} FROM {contacts} {p} "  # noqa: S608 (crm.sql names)
            f"WHERE {p.company} IN (SELECT id FROM m)"
        )
    negate = "NOT " if action.action == CriteriaActionKind.REFINE else ""
    # ``deleted`` returns the line columns under their own names.
    returned = columns(SegmentLine, "id", "line_no", "contact", "added_by_position", alias="l")
    sql = f"""
        WITH m AS ({match_sql}),
        deleted AS (
            DELETE FROM {table(SegmentLine)} {line}
            WHERE {line.segment} = %s AND {negate}EXISTS (
                SELECT 1 FROM ({matched}) mm WHERE mm.id = {line.contact}
            )
            RETURNING {returned}
        ),
        deleted_languages AS (
            DELETE FROM {table(SegmentInteractionLanguage)}
            WHERE {column(SegmentInteractionLanguage, "line")} IN (SELECT id FROM deleted)
        )
        INSERT INTO {table(SegmentHistory)} ({_history_columns()})
        SELECT %s, %s, {column(SegmentLine, "line_no")}, {column(SegmentLine, "contact")}, %s,
               {column(SegmentLine, "added_by_position")} FROM deleted
    """  # noqa: S608 (identifiers from crm.sql, values bound)
    params = [*match_params, segment.pk, segment.pk, action.position, HistoryChange.DELETED]
    return sql, params


def criteria_action_sql(segment: Segment, action: SegmentCriteriaAction) -> tuple[str, list]:
    if action.action == CriteriaActionKind.ADD:
        return _add_sql(segment, action)
    return _remove_sql(segment, action)


def _execute(segment: Segment, action: SegmentCriteriaAction) -> int:
    sql, params = criteria_action_sql(segment, action)
    with connection.cursor() as cursor, _bulk_statement(cursor):
        cursor.execute(sql, params)
        count = cursor.rowcount
    if action.action == CriteriaActionKind.ADD:
        analyze_if_large_share((SegmentLine, count))
    else:  # the deleted lines are as many history rows
        analyze_if_large_share((SegmentLine, count), (SegmentHistory, count))
    return count


def _clean_action_data(action: str, options: dict | None, filters: dict | None) -> dict:
    if action not in CriteriaActionKind.values:
        raise ValidationError(_("Unknown criteria action %(action)s.") % {"action": action})
    try:
        filters = normalize_filters(filters)
    except CriteriaError as exc:
        raise ValidationError(str(exc)) from exc
    options = {k: bool((options or {}).get(k)) for k in OPTION_FIELDS}
    if action == CriteriaActionKind.ADD:
        options["entire_companies"] = False
    else:
        for key in ("allow_existing_contacts", "expand_companies", "allow_related_companies"):
            options[key] = False
        options["ignore_exclusion"] = False
    return {"action": action, **options, "filters": filters, "filter_count": filter_count(filters)}


def _action_contact_ids(segment: Segment, position: int) -> set[int]:
    """The contacts of the lines an action inserted (lines carrying its position, and
    ``inserted`` history rows from before decision 0008) or deleted (history)."""
    added = SegmentLine.objects.filter(segment=segment, added_by_position=position)
    history = SegmentHistory.objects.filter(segment=segment, action_position=position)
    return set(added.values_list("contact_id", flat=True)) | set(
        history.values_list("contact_id", flat=True)
    )


def _notify_action(segment: Segment, position: int) -> None:
    """CMP-23 after a criteria action: the contacts it inserted or deleted. Nothing is read
    when no campaign target is on the segment (the usual case)."""
    campaign_ids = _segment_campaign_ids(segment)
    if campaign_ids:
        segment_targets_notify(
            campaign_ids=campaign_ids, contact_ids=_action_contact_ids(segment, position)
        )


@transaction.atomic
def segment_criteria_apply(
    *,
    segment: Segment,
    action: str,
    user=None,
    options: dict | None = None,
    filters: dict | None = None,
    job_id: int | None = None,
) -> tuple[SegmentCriteriaAction, int]:
    """Record the next criteria action and apply it in one statement (SEG-20..23).

    Returns the action and the number of lines inserted or deleted. ``job_id`` is the bulk job
    running it (the busy check then lets that job through).
    """
    segment = _lock(segment)
    if job_id is None or segment.running_job_id != job_id:
        _busy_check(segment)
    data = _clean_action_data(action, options, filters)
    position = (segment.criteria_actions.aggregate(p=models.Max("position"))["p"] or 0) + 1
    row = SegmentCriteriaAction.objects.create(
        segment=segment, position=position, created_by=user, **data
    )
    count = _execute(segment, row)
    _notify_action(segment, position)  # CMP-23
    return row, count


@transaction.atomic
def segment_go_back(*, segment: Segment) -> SegmentCriteriaAction:
    """SEG-24: undo the latest action exactly; raises "nothing to undo" when none is left."""
    segment = _lock(segment)
    _busy_check(segment)
    action = segment.criteria_actions.order_by("-position").first()
    if action is None:
        raise ApplicationError(_("There is nothing to undo."))
    campaign_ids = _segment_campaign_ids(segment)
    # CMP-23: the contacts of an add's lines are read before they go.
    contact_ids = _action_contact_ids(segment, action.position) if campaign_ids else set()
    if action.action == CriteriaActionKind.ADD:  # an add only inserted lines
        changed = _go_back_add(segment, action)
    else:  # a reduce/refine only deleted lines: re-create them with the same numbers
        changed = _go_back_remove(segment, action)
    segment_targets_notify(campaign_ids=campaign_ids, contact_ids=contact_ids)
    SegmentHistory.objects.filter(segment=segment, action_position=action.position).delete()
    action.delete()
    analyze_if_large_share((SegmentLine, changed))
    return action


def _go_back_add(segment: Segment, action: SegmentCriteriaAction) -> int:
    """Delete the lines carrying the add's position (and their language rows) in one
    statement; lines added before decision 0008 are found through ``inserted`` history."""
    lines, history = table(SegmentLine), table(SegmentHistory)
    languages = table(SegmentInteractionLanguage)
    line, h = Alias(SegmentLine, "l"), Alias(SegmentHistory, "h")
    legacy = SegmentHistory.objects.filter(
        segment=segment, action_position=action.position, change=HistoryChange.INSERTED
    ).exists()
    legacy_sql = (
        f"""OR {line.line_no} IN (
                SELECT {h.line_no} FROM {history} {h}
                WHERE {h.segment} = %s AND {h.action_position} = %s AND {h.change} = %s
            )"""  # noqa: S608 (identifiers from crm.sql, values bound)
        if legacy
        else ""
    )
    legacy_params = [segment.pk, action.position, HistoryChange.INSERTED] if legacy else []
    with connection.cursor() as cursor, _bulk_statement(cursor):
        cursor.execute(
            f"""
            WITH deleted AS (
                DELETE FROM {lines} {line}
                WHERE {line.segment} = %s AND ({line.added_by_position} = %s {legacy_sql})
                RETURNING {line.id}
            ),
            deleted_languages AS (
                DELETE FROM {languages}
                WHERE {column(SegmentInteractionLanguage, "line")} IN (SELECT id FROM deleted)
            )
            SELECT count(*) FROM deleted
            """,  # noqa: S608 (identifiers from crm.sql, values bound)
            [segment.pk, action.position, *legacy_params],
        )
        return cursor.fetchone()[0]


def _go_back_remove(segment: Segment, action: SegmentCriteriaAction) -> int:
    """Re-create the lines a reduce/refine deleted, from its history: same contact, line
    number and adding action, other values from the header defaults."""
    lines, history, contacts = table(SegmentLine), table(SegmentHistory), table(Contact)
    c, h, src = Alias(Contact, "c"), Alias(SegmentHistory, "h"), Alias(SegmentHistory, "src")
    columns, expressions, value_params = _line_values(segment, line_no_expr=src.line_no)
    columns.append(column(SegmentLine, "added_by_position"))
    expressions.append(src.added_by_position)
    alt_sql, alt_params = _alt_address_join(segment)
    with connection.cursor() as cursor, _bulk_statement(cursor):
        cursor.execute(
            f"""
            INSERT INTO {lines} ({", ".join(columns)})
            SELECT {", ".join(expressions)} FROM (
                SELECT {_line_source_columns(c)}, {h.line_no}, {h.added_by_position}
                FROM {history} {h} JOIN {contacts} {c} ON {c.id} = {h.contact}
                WHERE {h.segment} = %s AND {h.action_position} = %s AND {h.change} = %s
            ) src {alt_sql}
            """,  # noqa: S608 (identifiers from crm.sql, values bound)
            [
                *_flat(value_params),
                segment.pk,
                action.position,
                HistoryChange.DELETED,
                *alt_params,
            ],
        )
        return cursor.rowcount


# -- manual lines (SEG-7) -----------------------------------------------------------------------


def _contact_filter(contact: Contact) -> dict:
    return {"contact": {"number": {"op": "in", "values": [contact.number]}}}


def _privacy_check(contact: Contact) -> None:
    blocked = contact.is_privacy_blocked or (
        contact.company_id
        and Contact.objects.filter(pk=contact.company_id, is_privacy_blocked=True).exists()
    )
    if blocked:
        raise ValidationError(
            {
                "contact": _("Contact %(number)s %(name)s is blocked due to privacy.")
                % {"number": contact.number, "name": contact.name}
            },
            code="privacy_blocked",
        )


@transaction.atomic
def segment_line_add(*, segment: Segment, contact: Contact, user=None) -> SegmentLine:
    """SEG-7: a line added by hand is an add action with a contact-number filter."""
    _privacy_check(contact)
    _action, _count = segment_criteria_apply(
        segment=segment,
        action=CriteriaActionKind.ADD,
        user=user,
        options={"allow_existing_contacts": True, "ignore_exclusion": True},
        filters=_contact_filter(contact),
    )
    return segment.lines.filter(contact=contact).order_by("-line_no").first()


@transaction.atomic
def segment_line_delete(
    *, line: SegmentLine, user=None, clear_criteria: bool = False
) -> SegmentCriteriaAction:
    """SEG-7: deleting a line is a reduce action with that contact (only this line goes).

    SEG-8: when it was the last line and ``clear_criteria`` (the user's answer), the criteria
    actions and history are cleared too."""
    segment = _lock(line.segment)
    _busy_check(segment)
    data = _clean_action_data(CriteriaActionKind.REDUCE, {}, _contact_filter(line.contact))
    position = (segment.criteria_actions.aggregate(p=models.Max("position"))["p"] or 0) + 1
    action = SegmentCriteriaAction.objects.create(
        segment=segment, position=position, created_by=user, **data
    )
    SegmentHistory.objects.create(
        segment=segment,
        action_position=position,
        line_no=line.line_no,
        contact_id=line.contact_id,
        change=HistoryChange.DELETED,
        added_by_position=line.added_by_position,
    )
    SegmentLine.objects.filter(pk=line.pk).delete()
    _notify_action(segment, position)  # CMP-23
    if clear_criteria and not segment.lines.exists():  # SEG-8
        segment.history.all().delete()
        segment.criteria_actions.all().delete()
    return action


@transaction.atomic
def segment_line_change_contact(*, line: SegmentLine, contact: Contact, user=None) -> SegmentLine:
    """SEG-7: changing a line's contact is a reduce (old) followed by an add (new)."""
    _privacy_check(contact)
    segment = line.segment
    segment_line_delete(line=line, user=user)
    return segment_line_add(segment=segment, contact=contact, user=user)


@transaction.atomic
def segment_clear(*, segment: Segment, clear_criteria: bool) -> None:
    """SEG-8: delete every line; with ``clear_criteria`` also the actions and history."""
    segment = _lock(segment)
    _busy_check(segment)
    campaign_ids = _segment_campaign_ids(segment)
    contact_ids = _line_contact_ids(segment, campaign_ids)
    _lines_delete(segment)
    segment_targets_notify(campaign_ids=campaign_ids, contact_ids=contact_ids)  # CMP-23
    if clear_criteria:
        segment.history.all().delete()
        segment.criteria_actions.all().delete()


# -- saved criteria (SEG-25/26) -----------------------------------------------------------------


@transaction.atomic
def segment_criteria_save(
    *, segment: Segment, code: str, description: str = "", user=None, overwrite: bool = False
) -> SavedSegmentCriteria:
    actions = list(segment.criteria_actions.order_by("position"))
    if not actions:
        raise ApplicationError(
            _("Segment %(number)s has no criteria actions to save.") % {"number": segment.number}
        )
    code = normalize_code(code)
    saved = SavedSegmentCriteria.objects.select_for_update().filter(code=code).first()
    if saved is not None and not overwrite:
        raise ApplicationError(
            _("Saved criteria %(code)s already exist; confirm to overwrite them.") % {"code": code}
        )
    if saved is None:
        saved = SavedSegmentCriteria(code=code)
    saved.description = description
    saved.user = user
    saved.full_clean()
    saved.save()
    saved.actions.all().delete()
    SavedSegmentCriteriaAction.objects.bulk_create(
        SavedSegmentCriteriaAction(
            saved_criteria=saved,
            position=index,
            action=a.action,
            filters=a.filters,
            filter_count=a.filter_count,
            **{k: getattr(a, k) for k in OPTION_FIELDS},
        )
        for index, a in enumerate(actions, start=1)
    )
    return saved


def _replay_specs(saved: SavedSegmentCriteria) -> list[dict]:
    return [
        {
            "action": a.action,
            "options": {k: getattr(a, k) for k in OPTION_FIELDS},
            "filters": a.filters,
        }
        for a in saved.actions.order_by("position")
    ]
