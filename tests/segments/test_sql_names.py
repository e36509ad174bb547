"""The segments' raw SQL takes its identifiers from the models (``crm.sql``): with a column
renamed in the database and in ``_meta`` (as a ``db_column`` change would), the set-based
statements still run and give the same result (``rename_column``: tests/conftest.py)."""

import pytest

from contacts.models import Contact
from interactions.models import InteractionLogEntry
from segments.models import SegmentLine
from segments.services import (
    segment_criteria_apply,
    segment_go_back,
    segment_line_add,
    segment_lines_rederive,
    segment_log,
)
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


def _contacts(segment) -> set[int]:
    return set(segment.lines.values_list("contact_id", flat=True))


def test_criteria_actions_follow_renamed_columns(new_segment, rename_column):
    # given
    company = CompanyFactory(city="Brest")
    persons = {PersonFactory(company=company, city="Paris").pk for _ in range(2)}
    other = CompanyFactory(city="Caen")
    worker = PersonFactory(company=other, city="Brest")
    segment = new_segment()
    rename_column(Contact, "company", "employer_ref")
    rename_column(Contact, "is_privacy_blocked", "privacy_blocked_flag")
    rename_column(SegmentLine, "added_by_position", "added_by_action_no")
    rename_column(SegmentLine, "contact", "contact_ref")
    brest = {"contact": {"city": {"op": "in", "values": ["Brest"]}}}
    # when: an add expanding companies, a related-company add, a reduce of entire companies
    segment_criteria_apply(
        segment=segment, action="add", options={"expand_companies": True}, filters=brest
    )
    after_add = _contacts(segment)
    persons_only = {
        "contact": {
            "city": {"op": "in", "values": ["Brest"]},
            "type": {"op": "in", "values": ["person"]},
        }
    }
    segment_criteria_apply(
        segment=segment,
        action="add",
        options={"allow_related_companies": True, "allow_existing_contacts": False},
        filters=persons_only,
    )
    after_related = _contacts(segment)
    segment_criteria_apply(
        segment=segment,
        action="reduce",
        options={"entire_companies": True},
        filters={"contact": {"city": {"op": "in", "values": ["Caen"]}}},
    )
    after_reduce = _contacts(segment)
    rederived = segment_lines_rederive(segment=segment)
    segment_go_back(segment=segment)  # re-creates the reduced lines from history
    after_undo_reduce = _contacts(segment)
    segment_go_back(segment=segment)  # deletes the related-company add's lines
    # then
    assert after_add == {company.pk, worker.pk, *persons}
    assert after_related == after_add | {other.pk}
    assert after_reduce == {company.pk, *persons}
    assert rederived == len(after_reduce)
    assert after_undo_reduce == after_related
    assert _contacts(segment) == after_add


def test_logging_follows_renamed_columns(
    new_segment, marketing_user, rename_column, django_capture_on_commit_callbacks
):
    # given
    template = InteractionTemplateFactory(code="MAIL", correspondence_type="email")
    segment = new_segment(template=template, salesperson=SalespersonFactory())
    contacts = [CompanyFactory(email="a@example.com"), CompanyFactory(email="b@example.com")]
    for contact in contacts:
        segment_line_add(segment=segment, contact=contact)
    number = segment.number
    rename_column(SegmentLine, "contact", "contact_ref")
    rename_column(SegmentLine, "correspondence_type", "channel")
    rename_column(Contact, "email", "email_address")
    # when: the e-mail check, the INSERT … SELECT of the entries and the follow-up segment
    with django_capture_on_commit_callbacks(execute=False):
        _logged, _job, follow = segment_log(
            segment=segment, user=marketing_user, send=True, follow_up=True
        )
    # then
    entries = InteractionLogEntry.objects.filter(segment_number=number)
    assert set(entries.values_list("contact_id", flat=True)) == {c.pk for c in contacts}
    assert set(entries.values_list("correspondence_type", flat=True)) == {"email"}
    assert _contacts(follow) == {c.pk for c in contacts}
