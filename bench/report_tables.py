"""CSV path of a report table: django-tables2 ``Table.as_values()`` against the plain cells of
``reports.tables`` on the same 9-column rows, in memory (no database: the row formatting
alone). The result is kept in ``reports/tables.py``'s docstring.

django-tables2 is not a dependency; run with it added for the run only:

    uv run --with django-tables2 python bench/report_tables.py 100000
"""

import os
import sys
import time
from decimal import Decimal
from types import SimpleNamespace as Row

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")

import django

django.setup()

import django_tables2 as tables  # noqa: E402

from reports.tables import Column, Table  # noqa: E402


class Tables2Contacts(tables.Table):
    number = tables.Column()
    name = tables.Column()
    type = tables.Column()
    company_name = tables.Column()
    salesperson = tables.Column(accessor="salesperson__code")
    phone = tables.Column()
    email = tables.Column()
    open_opportunities = tables.Column()
    open_tasks = tables.Column()


class Contacts(Table):
    columns = [
        Column("No.", "number"),
        Column("Name", "name"),
        Column("Type", "type"),
        Column("Company", "company_name"),
        Column("Salesperson", "salesperson.code"),
        Column("Phone", "phone"),
        Column("E-mail", "email"),
        Column("Open opportunities", "open_opportunities"),
        Column("Open tasks", "open_tasks"),
    ]


def main(rows: int) -> None:
    objects = [
        Row(
            number=f"C{i}",
            name=f"Name {i}",
            type="company",
            company_name="X",
            salesperson=Row(code="SP"),
            phone="123",
            email="a@b.c",
            open_opportunities=i % 5,
            open_tasks=i % 3,
            value=Decimal("12.50"),
        )
        for i in range(rows)
    ]
    start = time.perf_counter()
    for _ in Contacts.rows(objects):
        pass
    ours = time.perf_counter() - start
    start = time.perf_counter()
    for _ in Tables2Contacts(objects).as_values():
        pass
    theirs = time.perf_counter() - start
    print(f"rows={rows} reports.tables={ours:.2f}s django-tables2={theirs:.2f}s")
    scale = 1e6 / rows
    print(f"1M rows, linear: reports.tables={ours * scale:.0f}s tables2={theirs * scale:.0f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
