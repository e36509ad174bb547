# ruff: noqa: S608 -- identifiers come from crm.sql (the model's _meta); values are bound.
"""Interaction figures for the contact classification (PRF-10, SPEC 9.2): quantity, frequency,
average cost and duration of a contact's logged interactions.

Contacts cannot import interactions (STYLE §2), so this app registers the source with
``contacts.profiles`` from ``InteractionsConfig.ready()``; the SQL names come from the model
(``crm.sql``), so renaming a column breaks the classification tests, not production.
"""

from contacts.models import ContactClassField
from contacts.profiles import ContactValueSource, register_contact_value_source
from crm.sql import column, table

from .models import InteractionLogEntry


def _aggregates(scope: str) -> str:
    """Per company (``scope == "company"``) or per contact: count, cost and duration of the
    entries dated in ``%(start)s``…``%(end)s``, canceled and postponed ones left out."""
    entry = InteractionLogEntry
    key = column(entry, "contact_company" if scope == "company" else "contact")
    return (
        f"SELECT {key} AS key, COUNT(*) AS n, SUM({column(entry, 'cost')}) AS cost,"
        f" SUM({column(entry, 'duration_min')}) AS duration FROM {table(entry)}"
        f" WHERE NOT {column(entry, 'is_canceled')} AND NOT {column(entry, 'is_postponed')}"
        f" AND {column(entry, 'date')} BETWEEN %(start)s AND %(end)s GROUP BY {key}"
    )


INTERACTION_VALUES = ContactValueSource(
    aggregates=_aggregates,
    expressions={
        ContactClassField.INTERACTION_QUANTITY: "{a}.n",
        ContactClassField.INTERACTION_FREQUENCY: "{a}.n / %(years)s",
        ContactClassField.AVG_INTERACTION_COST: "{a}.cost / NULLIF({a}.n, 0)",
        ContactClassField.AVG_INTERACTION_DURATION: "{a}.duration / NULLIF({a}.n, 0)",
    },
)


def register() -> None:
    register_contact_value_source(INTERACTION_VALUES)
