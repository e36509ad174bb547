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


class Alias:
    """The columns of ``model`` read through a SQL alias, for statements naming many of them::

        c = Alias(Contact, "c")
        f"SELECT {c.company} FROM {table(Contact)} {c} WHERE {c.type} = %s"
        # SELECT c."company_id" FROM "contacts_contact" c WHERE c."type" = %s

    Each attribute is ``column(model, name, alias)``, so an unknown field raises at once; the
    alias itself is ``str(c)``. Also right for a CTE or subquery that selects the model's columns
    under their own names (``SELECT c.id, c.type … FROM contacts c`` read as ``src``).
    """

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self._model = model
        self._alias = alias

    def __getattr__(self, field_name: str) -> str:
        if field_name.startswith("_"):  # copy/pickle protocol probes, never a column
            raise AttributeError(field_name)
        return column(self._model, field_name, self._alias)

    def __str__(self) -> str:
        return self._alias


def concrete_columns(model: type[models.Model], *, exclude: tuple[str, ...] = ("id",)) -> list:
    """The concrete local fields of ``model`` except ``exclude`` (field names), in order."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in exclude and field.attname not in exclude and not field.generated
    ]
