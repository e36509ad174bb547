"""Contacts rules against the real models of the higher areas (CON-25/26/30/35/37/38).

Each area registers its references from its AppConfig.ready(); these tests prove the wiring.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact
from contacts.services import contact_change_type, contact_create, contact_delete, contact_update
from interactions.models import InteractionLogEntry
from opportunities.models import Opportunity, OpportunityStatus, Task
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.opportunities import OpportunityFactory, TaskFactory
from tests.factories.segments import SegmentLineFactory

pytestmark = pytest.mark.django_db


def _company(name="Acme Ltd"):
    return contact_create(user=None, data={"name": name})


def _person(company=None, name="John Smith"):
    data = {"type": "person", "name": name}
    if company is not None:
        data["company"] = company
    return contact_create(user=None, data=data)


def _closed_opportunity(contact, company):
    return OpportunityFactory(
        contact=contact,
        contact_company=company,
        status=OpportunityStatus.WON,
        is_closed=True,
        date_closed=dt.date(2025, 1, 1),
    )


def test_c21_company_change_refused_while_on_unlogged_segment(mksetup):
    """C-21: a person on a line of an unlogged segment cannot change company (CON-25)."""
    company, other = _company(), _company("Globex")
    person = _person(company)
    SegmentLineFactory(contact=person)
    with pytest.raises(ValidationError, match="Remove the contact from unlogged segment lines"):
        contact_update(contact=person, user=None, data={"company": other})
    person.refresh_from_db()
    assert person.company_id == company.pk


@pytest.mark.parametrize("history", ["interaction", "task", "opportunity"])
def test_c23_type_change_refused_with_interaction_task_or_opportunity(mksetup, history):
    """C-23: a contact with an interaction, a task or an opportunity keeps its type (CON-30)."""
    company = _company()
    if history == "interaction":
        InteractionLogEntryFactory(contact=company)
        what = "interactions"
    elif history == "task":
        TaskFactory(contact=company, contact_company=company)
        what = "tasks"
    else:
        OpportunityFactory(contact=company)
        what = "opportunities"
    with pytest.raises(ValidationError, match=f"type cannot be changed: the contact has {what}"):
        contact_change_type(contact=company, user=None)
    company.refresh_from_db()
    assert company.type == "company"


@pytest.mark.parametrize(
    ("blocker", "what"),
    [
        ("open_task", "an open task"),
        ("segment_line", "unlogged segment lines"),
        ("not_started", "an open opportunity"),
        ("in_progress", "an open opportunity"),
    ],
)
def test_c26_delete_refused_with_open_work(mksetup, blocker, what):
    """C-26: an open task, an unlogged segment line or a not-started/in-progress opportunity
    of the company or one of its persons refuses the deletion; nothing is deleted (CON-35)."""
    company = _company()
    person = _person(company)
    if blocker == "open_task":
        TaskFactory(contact=person, contact_company=company)
    elif blocker == "segment_line":
        SegmentLineFactory(contact=person)
    else:
        OpportunityFactory(contact=person, contact_company=company, status=blocker)
    with pytest.raises(ValidationError, match=f"cannot be deleted: it has {what}"):
        contact_delete(contact=company, user=None)
    assert Contact.objects.filter(pk__in=[company.pk, person.pk]).count() == 2


def test_c26_closed_work_does_not_block_and_company_delete_keeps_history(mksetup):
    """C-26 / CON-37: closed tasks and won opportunities do not block; deleting the company
    keeps interactions, opportunities and tasks with the contact cleared and the name kept."""
    company = _company()
    person = _person(company)
    entry = InteractionLogEntryFactory(contact=person)
    task = TaskFactory(contact=person, contact_company=company, is_closed=True, status="completed")
    opportunity = _closed_opportunity(person, company)
    InteractionLogEntry.objects.filter(pk=entry.pk).update(contact_name_snapshot="John Smith")

    assert contact_delete(contact=company, user=None) == 2

    entry.refresh_from_db()
    assert (entry.contact_id, entry.contact_company_id) == (None, None)
    assert entry.contact_name_snapshot == "John Smith"
    assert Task.objects.filter(pk=task.pk, contact=None, contact_company=None).exists()
    assert Opportunity.objects.filter(pk=opportunity.pk, contact=None).exists()


def test_c28_deleting_person_moves_history_to_company(mksetup):
    """C-28: deleting a person moves its interactions, opportunities and tasks to its
    company (CON-38)."""
    company = _company()
    person = _person(company)
    entry = InteractionLogEntryFactory(contact=person)
    task = TaskFactory(contact=person, contact_company=company, is_closed=True, status="completed")
    opportunity = _closed_opportunity(person, company)

    contact_delete(contact=person, user=None)

    for row in (entry, task, opportunity):
        row.refresh_from_db()
        assert (row.contact_id, row.contact_company_id) == (company.pk, company.pk)


def test_con26_history_stays_with_old_employer(mksetup):
    """CON-26: when a person moves from A to B, its interactions, opportunities and tasks go to
    A; a person without a company gets B as contact company on its records."""
    a, b = _company("Alpha"), _company("Beta")
    person = _person(a)
    entry = InteractionLogEntryFactory(contact=person)
    task = TaskFactory(contact=person, contact_company=a)
    opportunity = OpportunityFactory(contact=person, contact_company=a)

    contact_update(contact=person, user=None, data={"company": b})

    for row in (entry, task, opportunity):
        row.refresh_from_db()
        assert (row.contact_id, row.contact_company_id) == (a.pk, a.pk)

    loner = _person(name="Ann Lee")
    own = InteractionLogEntryFactory(contact=loner)
    contact_update(contact=loner, user=None, data={"company": b})
    own.refresh_from_db()
    assert (own.contact_id, own.contact_company_id) == (loner.pk, b.pk)
