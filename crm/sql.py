"""Table and column names for raw SQL, read from the models' ``_meta``.

Raw SQL stays where the ORM cannot express a set-based statement (``INSERT … SELECT``,
``UPDATE … FROM``, ``COPY``). Its identifiers must still come from the models, so that renaming a
field or a table breaks a test instead of production::

    from crm.sql import table, column, columns

    sql = f"UPDATE {table(SegmentLine)} SET {column(SegmentLine, 'contact')} = …"

``column`` takes a field *name* (``"contact"``) and returns the quoted database column
(``"contact_id"``); an unknown name raises ``FieldDoesNotExist`` at once. Every value still goes
through query parameters; only identifiers are built here, and every identifier is quoted.
"""

from __future__ import annotations

from django.db import connection, models


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    """The quoted ``db_table`` of ``model``."""
    return quote(model._meta.db_table)


def column(model: type[models.Model], field_name: str, alias: str | None = None) -> str:
    """The quoted database column of ``model.field_name`` (``alias.`` prefixed when given)."""
    name = quote(model._meta.get_field(field_name).column)
    return f"{alias}.{name}" if alias else name


def columns(model: type[models.Model], *field_names: str, alias: str | None = None) -> str:
    """``column`` of each name, comma-separated (for INSERT lists and SELECT lists)."""
    return ", ".join(column(model, name, alias) for name in field_names)


def concrete_columns(model: type[models.Model], *, exclude: tuple[str, ...] = ("id",)) -> list:
    """The concrete local fields of ``model`` except ``exclude`` (field names), in order."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in exclude and field.attname not in exclude and not field.generated
    ]
