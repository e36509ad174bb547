"""Set-based bulk logging: the background job (contacts, imports) and rows from a SELECT
(segments, SEG-41)."""

import datetime as dt
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from contacts.models import Contact
from crm.models import BulkJob, BulkJobStatus
from crm.services import bulk_job_create, bulk_job_finish, bulk_job_progress, bulk_job_start
from crm.sql import column, quote, table
from interactions.models import InteractionLogEntry, InteractionTemplate
from setup.models import Salesperson

from .analyze import table_analyze_if_changed

BULK_LOG_BATCH_SIZE = 5_000  # one committed INSERT … SELECT per batch (~0.3 s)
BULK_LOG_BATCHES_PER_MESSAGE = 100  # 500,000 rows per task message, inside the time limit


# -- bulk logging --------------------------------------------------------------------------------

# The contact columns a bulk-log batch reads (``_bulk_insert_sql`` uses them as ``b.*``).
BATCH_CONTACT_FIELDS = [
    "id",
    "company",
    "name",
    "salesperson",
    "language",
    "correspondence_type",
    "is_privacy_blocked",
]


@transaction.atomic
def interactions_bulk_log_start(
    *,
    user,
    template: InteractionTemplate,
    contact_ids: list[int] | None = None,
    contact_queryset: models.QuerySet | None = None,
    description: str = "",
    salesperson=None,
    date: dt.date | None = None,
    segment_number: str = "",
    queue: str | None = None,
) -> BulkJob:
    """Create the BulkJob and enqueue the logging after commit (used by segments, imports).

    Give either ``contact_ids`` or a ``contact_queryset`` of contacts (stored as SQL).
    """
    from interactions.tasks import interactions_bulk_log_task

    params: dict[str, Any] = {
        "template_id": template.pk,
        "description": description or template.description,
        "salesperson_id": getattr(salesperson, "pk", None),
        "user_id": getattr(user, "pk", None),
        "date": (date or timezone.localdate()).isoformat(),
        "segment_number": segment_number,
    }
    if contact_queryset is not None:
        sql, sql_params = contact_queryset.values("pk").query.sql_with_params()
        params["contact_sql"] = sql
        params["contact_sql_params"] = list(sql_params)
    else:
        params["contact_ids"] = sorted(set(contact_ids or []))
    job = bulk_job_create(kind="interactions_bulk_log", user=user, params=params)
    options = {"queue": queue} if queue else {}
    transaction.on_commit(lambda: interactions_bulk_log_task.apply_async(args=[job.pk], **options))
    return job


def _bulk_source(params: dict) -> tuple[str, list]:
    """The condition on the contacts ``c`` (a stored queryset's SQL, or a list of ids)."""
    c_id = column(Contact, "id", "c")
    if "contact_sql" in params:
        return f"{c_id} IN ({params['contact_sql']})", list(params["contact_sql_params"])
    return f"{c_id} = ANY(%s)", [params.get("contact_ids", [])]


def _bulk_insert_sql(*, job: BulkJob, template: InteractionTemplate) -> tuple[str, list, list]:
    """Columns and SELECT expressions of INSERT … SELECT; every other column gets its default."""
    p = job.params
    user_salesperson = None
    if p.get("user_id"):
        user_salesperson = (
            Salesperson.objects.filter(user_id=p["user_id"]).values_list("pk", flat=True).first()
        )
    language_ids = [row.language_id for row in template.languages.all()]
    explicit: dict[str, tuple[str, list]] = {
        "contact_id": ("b.id", []),
        "contact_company_id": ("COALESCE(b.company_id, b.id)", []),
        "contact_name_snapshot": ("LEFT(b.name, 100)", []),
        "date": ("%s::date", [p["date"]]),
        "description": ("%s", [p["description"][:100]]),
        "information_flow": ("%s", [template.information_flow]),
        "initiated_by": ("%s", [template.initiated_by]),
        "cost": ("%s", [template.unit_cost]),
        "duration_min": ("%s", [template.unit_duration_min]),
        "user_id": ("%s::integer", [p.get("user_id")]),
        "salesperson_id": (
            "COALESCE(%s::bigint, b.salesperson_id, %s::bigint)",
            [p.get("salesperson_id"), user_salesperson],
        ),
        "group_id": ("%s::bigint", [template.group_id]),
        "template_id": ("%s::bigint", [template.pk]),
        "language_id": (
            "CASE WHEN b.language_id = ANY(%s::bigint[]) THEN b.language_id ELSE %s::bigint END",
            [language_ids, template.default_language_id],
        ),
        "is_campaign_target": ("%s", [template.is_campaign_target]),
        "is_campaign_response": ("%s", [template.is_campaign_response]),
        "correspondence_type": (
            "CASE WHEN %s OR b.correspondence_type = '' THEN %s ELSE b.correspondence_type END",
            [template.ignore_contact_correspondence_type, template.correspondence_type],
        ),
        "segment_number": ("%s", [p.get("segment_number", "")[:20]]),
        "bulk_job_id": ("%s::bigint", [job.pk]),
        "created_at": ("now()", []),
        "updated_at": ("now()", []),
    }
    fields = InteractionLogEntry._meta.concrete_fields
    unknown = set(explicit) - {field.attname for field in fields}
    if unknown:  # a renamed field would otherwise silently get its default
        raise ValueError(f"unknown interaction columns: {sorted(unknown)}")
    columns, expressions, params = [], [], []
    for field in fields:
        if field.primary_key or field.attname == "entry_no":
            continue
        columns.append(column(InteractionLogEntry, field.name))
        if field.attname in explicit:
            expression, expression_params = explicit[field.attname]
        else:
            expression = "%s"
            expression_params = [field.get_db_prep_save(field.get_default(), connection)]
        expressions.append(expression)
        params.extend(expression_params)
    return ", ".join(columns), ", ".join(expressions), params


def interactions_bulk_log(
    *, job_id: int, batch_size: int = BULK_LOG_BATCH_SIZE, max_batches: int | None = None
) -> bool:
    """Log one entry per contact of the job, set-based, one committed batch at a time.

    Idempotent and resumable: batches walk the contacts in id order, each commits its rows
    and the job's progress together, and ``(bulk_job, contact)`` is unique, so a restarted
    or duplicated run starts after the last contact logged and inserts nothing twice
    (``ON CONFLICT DO NOTHING``). Privacy-blocked contacts are skipped (CON-52/54).
    Returns True when more batches remain (the task enqueues the next message).
    """
    job = BulkJob.objects.get(pk=job_id)
    if job.is_finished:
        return False
    template = InteractionTemplate.objects.prefetch_related("languages").get(
        pk=job.params["template_id"]
    )
    source, source_params = _bulk_source(job.params)
    entries = InteractionLogEntry.objects.filter(bulk_job_id=job_id)
    # The contact set is read once per run into a temporary table, so each batch is a range
    # scan on its key instead of a re-evaluation of the whole source.
    temp = quote(f"interactions_bulk_source_{int(job_id)}")
    contact = table(Contact)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} AS "  # noqa: S608 (identifiers from crm.sql)
            f"SELECT {column(Contact, 'id', 'c')} AS id FROM {contact} c WHERE {source}",
            source_params,
        )
        cursor.execute(f"ALTER TABLE {temp} ADD PRIMARY KEY (id)")
        cursor.execute(f"ANALYZE {temp}")
        cursor.execute(f"SELECT count(*) FROM {temp}")  # noqa: S608 (quoted temp table name)
        total = cursor.fetchone()[0]
        last_id = entries.aggregate(last=models.Max("contact_id"))["last"] or 0
        cursor.execute(
            f"SELECT count(*) FROM {temp} WHERE id <= %s",  # noqa: S608 (quoted temp table name)
            [last_id],
        )
        processed = cursor.fetchone()[0]
    try:
        return _bulk_log_batches(
            job=job,
            template=template,
            temp=temp,
            total=total,
            processed=processed,
            last_id=last_id,
            batch_size=batch_size,
            max_batches=max_batches,
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {temp}")


def _bulk_log_batches(
    *,
    job: BulkJob,
    template,
    temp: str,
    total: int,
    processed: int,
    last_id: int,
    batch_size: int,
    max_batches: int | None,
) -> bool:
    job_id = job.pk
    entries = InteractionLogEntry.objects.filter(bulk_job_id=job_id)
    bulk_job_start(job_id=job_id, total=total)
    columns, expressions, insert_params = _bulk_insert_sql(job=job, template=template)
    c = {name: column(Contact, name, "c") for name in BATCH_CONTACT_FIELDS}
    c_id, c_company = c["id"], c["company"]
    co_id, co_blocked = column(Contact, "id", "co"), column(Contact, "is_privacy_blocked", "co")
    entry_bulk_job, entry_contact = (
        column(InteractionLogEntry, "bulk_job"),
        column(InteractionLogEntry, "contact"),
    )
    # The CTE's output names (id, company_id, …) are what ``_bulk_insert_sql`` reads as b.*.
    sql = f"""
        WITH batch AS (
            SELECT {c_id} AS id, {c_company} AS company_id, {c["name"]} AS name,
                   {c["salesperson"]} AS salesperson_id, {c["language"]} AS language_id,
                   {c["correspondence_type"]} AS correspondence_type,
                   ({c["is_privacy_blocked"]} OR COALESCE({co_blocked}, false)) AS blocked
            FROM (SELECT id FROM {temp} WHERE id > %s ORDER BY id LIMIT %s) s
            JOIN {table(Contact)} c ON {c_id} = s.id
            LEFT JOIN {table(Contact)} co ON {co_id} = {c_company} AND {co_id} <> {c_id}
        ), inserted AS (
            INSERT INTO {table(InteractionLogEntry)} ({columns})
            SELECT {expressions} FROM batch b WHERE NOT b.blocked
            ON CONFLICT ({entry_bulk_job}, {entry_contact}) WHERE {entry_bulk_job} IS NOT NULL
            DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM batch),
               (SELECT count(*) FROM inserted)
    """  # noqa: S608 (identifiers from crm.sql, values bound)
    batches = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [last_id, batch_size, *insert_params])
            max_id, count, _inserted = cursor.fetchone()
            if not count:
                break
            processed += count
            bulk_job_progress(job_id=job_id, done=min(processed, total))
        last_id = max_id
        batches += 1
        if max_batches is not None and batches >= max_batches:
            return True
    logged = entries.count()
    bulk_job_finish(job_id=job_id, result={"logged": logged, "skipped": total - logged})
    table_analyze_if_changed(model=InteractionLogEntry, changed_rows=logged)
    return False


def interactions_bulk_log_failed(*, job_id: int, error: str) -> None:
    if BulkJob.objects.filter(pk=job_id, status=BulkJobStatus.SUCCEEDED).exists():
        return
    bulk_job_finish(job_id=job_id, error=error[:1000])


# -- bulk logging from rows (segments, SEG-41) ---------------------------------------------------


def interactions_bulk_log_from_rows(
    *,
    rows_sql: str,
    rows_params: list,
    columns: list[str],
    job_id: int | None = None,
) -> int:
    """Insert one entry per row of ``rows_sql``, set-based (one ``INSERT … SELECT``), in the
    caller's transaction; returns the number of entries inserted.

    ``rows_sql`` is a SELECT whose output columns are the entry attnames listed in ``columns``
    (``contact_id``, ``date``, ``template_id``, …); every other column gets its model default.
    Idempotent like ``interactions_bulk_log``: with ``job_id`` every entry carries the job and
    ``(bulk_job, contact)`` is unique, so replaying the same rows inserts nothing twice
    (``ON CONFLICT DO NOTHING``); without it the caller's transaction is the unit of work
    (segments delete the lines they log in the same transaction, so a replay finds nothing).
    """
    fields = {
        f.attname: f
        for f in InteractionLogEntry._meta.concrete_fields
        if not f.primary_key and f.attname != "entry_no"
    }
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"unknown interaction columns: {sorted(unknown)}")
    given = dict.fromkeys(columns)
    if job_id is not None:
        given.pop("bulk_job_id", None)
    names, expressions, params = [], [], []
    for attname, field in fields.items():
        names.append(column(InteractionLogEntry, field.name))
        if attname in given:
            expressions.append(f"r.{quote(attname)}")
        elif attname == "bulk_job_id" and job_id is not None:
            expressions.append("%s::bigint")
            params.append(job_id)
        elif attname in {"created_at", "updated_at"}:
            expressions.append("now()")
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    bulk_job, contact = (
        column(InteractionLogEntry, "bulk_job"),
        column(InteractionLogEntry, "contact"),
    )
    conflict = (
        f"ON CONFLICT ({bulk_job}, {contact}) WHERE {bulk_job} IS NOT NULL DO NOTHING"
        if job_id is not None
        else ""
    )
    sql = f"""
        INSERT INTO {table(InteractionLogEntry)} ({", ".join(names)})
        SELECT {", ".join(expressions)} FROM ({rows_sql}) r
        {conflict}
    """  # noqa: S608 (identifiers from crm.sql, rows_sql from the caller, values bound)
    with connection.cursor() as cursor:
        # Params in textual order: the outer SELECT list, then the rows subquery.
        cursor.execute(sql, [*params, *rows_params])
        inserted = cursor.rowcount
    table_analyze_if_changed(model=InteractionLogEntry, changed_rows=inserted)
    return inserted
