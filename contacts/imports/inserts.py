"""Writing prepared rows: contact numbers taken from the series in one locked block, and one
``COPY`` per batch (companies self-linked; a person's company named in the file created with
it).
"""

from django.db import connection
from django.utils import timezone

from contacts.models import Contact
from crm.sql import quote, table
from setup.models import ContactType, MarketingSetup, NumberSeriesLine
from setup.numbering import increment, numeric_part
from setup.services import number_assign, number_series_issue

from .rows import PreparedRow, _inherit, _lookups, _row_prepare


def contact_numbers_issue_block(*, count: int) -> list[tuple[str, int | None]]:
    """``count`` numbers from ``contact_series`` in the caller's transaction (SET-15/16).

    The first issue locks the line in effect; the rest of the block is computed from it and
    written with one UPDATE. A block that reaches the line's end falls back to single issues
    (which move to the next line or fail with "no more numbers").
    """
    if count <= 0:
        return []
    first = number_assign(setup_field="contact_series", model=Contact)
    series = first.series
    numbers = [first.number]
    line = (
        NumberSeriesLine.objects.select_for_update()
        .filter(series=series, last_number_used=first.number)
        .order_by("-id")
        .first()
    )
    if line is not None and line.is_open:
        current, block = first.number, []
        while len(numbers) + len(block) < count:
            nxt = increment(current, line.increment_by)
            if nxt is None or (
                line.ending_number and numeric_part(nxt) > numeric_part(line.ending_number)
            ):
                break
            block.append(nxt)
            current = nxt
        if block:
            closed = bool(line.ending_number) and numeric_part(block[-1]) == numeric_part(
                line.ending_number
            )
            NumberSeriesLine.objects.filter(pk=line.pk).update(
                last_number_used=block[-1], is_open=not closed, updated_at=timezone.now()
            )
            numbers += block
    while len(numbers) < count:
        numbers.append(number_series_issue(series=series).number)
    return [(n, series.pk if series else None) for n in numbers]


def _copy_fields() -> list:
    """The columns an import writes: every concrete column but the generated ones."""
    return [f for f in Contact._meta.concrete_fields if not f.generated]


def _bulk_insert(rows: list[PreparedRow], *, objects: bool = True) -> list[Contact]:
    """Insert prepared rows (companies self-linked, CON-4); typed numbers keep no series.

    One ``COPY`` per call: the ids are drawn from the table's sequence first (one query), so
    a company is written complete with its self-link and no ORM object is built per row.
    Returns the inserted contacts as unsaved-looking instances with their pk, or, with
    ``objects=False`` (persons of a CSV batch: only their count is used), the companies only.
    """
    if not rows:
        return []
    auto = [r for r in rows if not r.data.get("number")]
    issued = iter(contact_numbers_issue_block(count=len(auto)))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table(Contact), Contact._meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    fields = _copy_fields()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif not f.primary_key:
            defaults[f.attname] = f.get_db_prep_save(f.get_default(), connection)
    defaults[Contact._meta.get_field("last_modified_at").attname] = now
    relations = {f.name: f.attname for f in fields if f.is_relation}
    out, records = [], []
    for row, pk in zip(rows, ids, strict=True):
        data = dict(row.data)
        if not data.get("number"):
            data["number"], data["number_series_id"] = next(issued)
        is_company = data["type"] == ContactType.COMPANY
        if is_company:
            data["company_name"] = data.get("name", "")
            data["company_id"] = pk
        values = dict(defaults, id=pk)
        for name, value in data.items():
            attname = relations.get(name)
            if attname is not None:  # a related object (or None)
                values[attname] = value.pk if value is not None else None
            else:
                values[name] = value
        records.append(tuple(values[f.attname] for f in fields))
        if objects or is_company:
            obj = Contact(last_modified_at=now, **data)
            obj.pk = pk
            obj._state.adding = False
            out.append(obj)
    copy_sql = f"COPY {table(Contact)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for record in records:
            copy.write_row(record)
    return out


def _insert_with_companies(rows: list[PreparedRow]) -> tuple[list[Contact], int]:
    """Insert the rows; a person whose company (by name) does not exist yet is linked to the
    company of that name inserted by the same batch, or to a company created for it. Returns
    the companies created and the number of persons."""
    companies = [r for r in rows if r.data["type"] == ContactType.COMPANY]
    persons = [r for r in rows if r.data["type"] != ContactType.COMPANY]
    created = _bulk_insert(companies) if companies else []
    waiting = [r for r in persons if r.new_company_name]
    if waiting:
        setup = MarketingSetup.load()
        by_name: dict[str, Contact] = {}
        for company in created:
            by_name.setdefault(company.name.upper(), company)
        missing: dict[str, str] = {}
        for row in waiting:
            key = row.new_company_name.upper()
            if key not in by_name:
                missing.setdefault(key, row.new_company_name)
        lookups = _lookups([])
        new_rows = [
            _row_prepare(
                0, {"type": ContactType.COMPANY, "name": name}, lookups, setup, defaults=True
            )
            for name in missing.values()
        ]
        new_companies = _bulk_insert(new_rows)
        for company in new_companies:
            by_name[company.name.upper()] = company
        created += new_companies
        for row in waiting:
            company = by_name[row.new_company_name.upper()]
            row.company = company
            _inherit(row.data, company, setup)
    if persons:
        _bulk_insert(persons, objects=False)
    return created, len(persons)
