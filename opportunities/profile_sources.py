# ruff: noqa: S608 -- identifiers come from crm.sql (the model's _meta); values are bound.
"""Opportunity figures for the contact classification (PRF-10, SPEC 9.2): the share of a
contact's closed opportunity entries that were won.

Contacts cannot import opportunities (STYLE §2), so this app registers the source with
``contacts.profiles`` from ``OpportunitiesConfig.ready()``; the SQL names come from the model
(``crm.sql``), so renaming a column breaks the classification tests, not production.
"""

from contacts.models import ContactClassField
from contacts.profiles import ContactValueSource, register_contact_value_source
from crm.sql import column, table

from .models import ActionTaken, OpportunityEntry


def _aggregates(scope: str) -> str:
    """Per company (``scope == "company"``) or per contact: won and closed active entries whose
    estimated close date is in ``%(start)s``…``%(end)s``."""
    entry = OpportunityEntry
    key = column(entry, "contact_company" if scope == "company" else "contact")
    action = column(entry, "action_taken")
    won, lost = f"'{ActionTaken.WON.value}'", f"'{ActionTaken.LOST.value}'"
    return (
        f"SELECT {key} AS key, COUNT(*) FILTER (WHERE {action} = {won}) AS won,"
        f" COUNT(*) AS closed FROM {table(entry)}"
        f" WHERE {column(entry, 'is_active')} AND {action} IN ({won}, {lost})"
        f" AND {column(entry, 'estimated_close_date')} BETWEEN %(start)s AND %(end)s"
        f" GROUP BY {key}"
    )


OPPORTUNITY_VALUES = ContactValueSource(
    aggregates=_aggregates,
    expressions={
        ContactClassField.OPPORTUNITY_WON_PERCENT: "100.0 * {a}.won / NULLIF({a}.closed, 0)"
    },
)


def register() -> None:
    register_contact_value_source(OPPORTUNITY_VALUES)
