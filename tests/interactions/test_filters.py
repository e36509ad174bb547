import datetime as dt

import pytest

from interactions.filters import InteractionLogEntryFilterSet
from interactions.models import InteractionLogEntry
from interactions.selectors import interaction_entry_list
from tests.factories.interactions import (
    CompanyFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    PersonFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


def filtered(**params) -> set[InteractionLogEntry]:
    filterset = InteractionLogEntryFilterSet(params, queryset=interaction_entry_list())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs)


def test_filter_contact():
    entry = InteractionLogEntryFactory()
    InteractionLogEntryFactory()
    assert filtered(contact=entry.contact_id) == {entry}


def test_filter_company_includes_its_persons():
    company = CompanyFactory()
    own = InteractionLogEntryFactory(contact=company)
    person = InteractionLogEntryFactory(contact=PersonFactory(company=company))
    InteractionLogEntryFactory()
    assert filtered(company=company.pk) == {own, person}


def test_filter_salesperson():
    sp = SalespersonFactory()
    entry = InteractionLogEntryFactory(salesperson=sp)
    InteractionLogEntryFactory()
    assert filtered(salesperson=sp.pk) == {entry}


def test_filter_template_and_group():
    template = InteractionTemplateFactory()
    entry = InteractionLogEntryFactory(template=template)
    InteractionLogEntryFactory()
    assert filtered(template=template.pk) == {entry}
    assert filtered(group=template.group_id) == {entry}


def test_filter_date_range():
    inside = InteractionLogEntryFactory(date=dt.date(2025, 3, 1))
    InteractionLogEntryFactory(date=dt.date(2025, 5, 1))
    assert filtered(date_after="2025-02-01", date_before="2025-03-31") == {inside}


def test_filter_canceled_and_evaluation():
    canceled = InteractionLogEntryFactory(is_canceled=True, evaluation="positive")
    other = InteractionLogEntryFactory()
    assert filtered(canceled="true") == {canceled}
    assert filtered(canceled="false") == {other}
    assert filtered(evaluation="positive") == {canceled}


def test_postponed_entries_are_not_in_the_log():
    InteractionLogEntryFactory(is_postponed=True)
    assert filtered() == set()
