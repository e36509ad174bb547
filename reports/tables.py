"""One declarative table per report: its columns give the HTML table's header and cells and the
CSV export's header and rows (R-1), so the two can never differ.

Why not django-tables2: its CSV path (``Table.as_values()``) was measured against these
classes on the same 9-column rows (``bench/report_tables.py``, in memory, no database; a
2-core machine shared by seven sessions, load 10-15):

    rows      reports.tables   plain cell lists   django-tables2 as_values()
    10,000    0.48 s           0.08 s             33.2 s
    100,000   -                0.53 s             252.0 s

About 3 ms a row, linear: ~55 minutes for a 1M-row export against under a minute here; and
its paging counts rows (the reports page in SQL without COUNT). So the reports keep this
small class; the page and the CSV still share every column definition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from django.utils import formats
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from opportunities.selectors import base_currency_code


def cell(value) -> str:
    """A value as the page and the CSV show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def date_cell(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def money_cell(value) -> str:
    return formats.number_format(value or 0, 2)


def in_base_currency(label):
    """A money column's header with the base currency code: ``Estimated value (EUR)``. Lazy,
    so the (cached) code is read when the header is rendered."""
    return format_lazy("{} ({})", label, lazy(base_currency_code, str)())


class Column:
    """A column: its header and how a row object gives its cell.

    ``value`` is an attribute path (``"contact.name"``, ``None`` along the way gives "") or a
    callable of the row object; ``kind`` formats the value: ``text``, ``date``, ``money``
    (the header then names the base currency), ``number`` (two places), ``percent`` or
    ``average`` (one place)."""

    FORMATS: ClassVar[dict[str, Callable[[Any], str]]] = {
        "text": cell,
        "date": date_cell,
        "money": money_cell,
        "number": money_cell,  # two places, no currency (a duration in minutes)
        "percent": lambda value: formats.number_format(value or 0, 1),
        "average": lambda value: formats.number_format(value or 0, 1),
    }

    def __init__(self, label, value: str | Callable[[Any], Any], *, kind: str = "text"):
        self.label = in_base_currency(label) if kind == "money" else label
        self.kind = kind
        self.format = self.FORMATS[kind]
        if callable(value):
            self.get = value
        else:
            path = value.split(".")

            def get(obj, path=path):
                for name in path:
                    if obj is None:
                        return None
                    obj = getattr(obj, name)
                return obj

            self.get = get

    def __call__(self, obj) -> str:
        return self.format(self.get(obj))


class Table:
    """Subclasses list ``columns``; ``group`` (optional) names the group of a row (grouped
    reports: the page shows a heading per group, the CSV a first column)."""

    columns: ClassVar[list[Column]] = []
    group: ClassVar[Callable[[Any], str] | None] = None

    @classmethod
    def header(cls) -> list:
        return [column.label for column in cls.columns]

    @classmethod
    def cells(cls, obj) -> list[str]:
        return [column(obj) for column in cls.columns]

    @classmethod
    def rows(cls, objects: Iterable) -> Iterator[tuple[str, list[str]]]:
        group = cls.group
        for obj in objects:
            yield (group(obj) if group else ""), cls.cells(obj)
