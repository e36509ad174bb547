"""Tests that kill surviving mutants of ``segments/services/criteria_actions.py``.

Each pins a rule the other segment tests left open (docs/mutation-testing.md lists the mutants).
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.exceptions import ApplicationError
from crm.services import bulk_job_create, bulk_job_start
from segments.models import Segment, SegmentCriteriaAction, SegmentHistory, SegmentLine
from segments.services import (
    header,
    segment_criteria_apply,
    segment_go_back,
    segment_line_add,
)
from segments.signals import segment_campaign_targets_changed
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory

pytestmark = pytest.mark.django_db

ADD_ONLY = ("allow_existing_contacts", "expand_companies", "allow_related_companies")
ALL_OPTIONS = {
    "allow_existing_contacts": True,
    "expand_companies": True,
    "allow_related_companies": True,
    "ignore_exclusion": True,
    "entire_companies": True,
}


def city(name):
    return {"contact": {"city": {"op": "in", "values": [name]}}}


def test_seg23_unknown_action_is_refused_by_name_and_not_recorded(new_segment):
    """SEG-23: only add, reduce and refine are criteria actions; another is refused with its
    name, and no action is recorded."""
    segment = new_segment()
    with pytest.raises(ValidationError) as caught:
        segment_criteria_apply(segment=segment, action="merge", filters={})
    assert caught.value.messages == ["Unknown criteria action merge."]
    assert not SegmentCriteriaAction.objects.filter(segment=segment).exists()


def test_seg23_invalid_filters_are_refused_with_the_criteria_message(new_segment):
    """SEG-23: filters the criteria cannot read are refused with the criteria's own message."""
    segment = new_segment()
    with pytest.raises(ValidationError) as caught:
        segment_criteria_apply(segment=segment, action="add", filters={"planet": {}})
    assert caught.value.messages == ["Unknown criteria section planet."]
    assert not SegmentCriteriaAction.objects.filter(segment=segment).exists()


def test_seg23_an_add_is_stored_without_the_reduce_option(new_segment):
    """SEG-23: an add is stored with its own options; "entire companies" (a reduce/refine
    option, SEG-22) is never stored on it."""
    CompanyFactory(city="Laval")
    segment = new_segment()
    action, _count = segment_criteria_apply(
        segment=segment, action="add", options=ALL_OPTIONS, filters=city("Laval")
    )
    action.refresh_from_db()
    assert action.entire_companies is False
    assert all(getattr(action, key) for key in (*ADD_ONLY, "ignore_exclusion"))


@pytest.mark.parametrize("kind", ["reduce", "refine"])
def test_seg23_a_reduce_or_refine_is_stored_without_the_add_options(new_segment, kind):
    """SEG-23/SEG-22: a reduce or refine is stored with "entire companies" only; the add options
    (allow existing, expand, related companies, ignore exclusion) are never stored on it."""
    segment = new_segment()
    action, _count = segment_criteria_apply(
        segment=segment, action=kind, options=ALL_OPTIONS, filters=city("Laval")
    )
    action.refresh_from_db()
    assert action.entire_companies is True
    assert not any(getattr(action, key) for key in (*ADD_ONLY, "ignore_exclusion"))


def test_a_bulk_reduce_analyzes_the_lines_and_the_history_tables(new_segment, monkeypatch):
    """Decision 0006: a reduce deleting a large share of the lines writes as many history rows,
    so both tables are analyzed in the same transaction."""
    CompanyFactory(city="Laval")
    segment = new_segment()
    segment_criteria_apply(segment=segment, action="add", filters=city("Laval"))
    monkeypatch.setattr(header, "ANALYZE_AFTER_ROWS", 1)
    with CaptureQueriesContext(connection) as ctx:
        segment_criteria_apply(segment=segment, action="reduce", filters={})
    analyzed = {q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")}
    assert {sql.split(" (")[0] for sql in analyzed} == {
        f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
        for model in (SegmentLine, SegmentHistory)
    }


def test_cmp23_a_criteria_action_tells_the_campaign_which_contacts_it_changed(new_segment):
    """CMP-23: on a segment targeting a campaign, an add reports exactly the contacts it
    inserted and a reduce exactly the ones it deleted (not those of the segment's other
    actions, nor of another segment's action at the same position)."""
    laval, brest = CompanyFactory(city="Laval"), CompanyFactory(city="Brest")
    other = new_segment()
    segment_criteria_apply(segment=other, action="add", filters=city("Brest"))
    segment_criteria_apply(segment=other, action="add", filters=city("Laval"))
    segment_criteria_apply(segment=other, action="reduce", filters=city("Brest"))
    campaign = CampaignFactory()
    segment = new_segment()
    Segment.objects.filter(pk=segment.pk).update(campaign=campaign, is_campaign_target=True)
    segment.refresh_from_db()
    sent = []

    def receiver(sender, campaign_ids, contact_ids, **kwargs):
        sent.append((campaign_ids, contact_ids))

    segment_campaign_targets_changed.connect(receiver)
    try:
        segment_criteria_apply(segment=segment, action="add", filters=city("Laval"))
        segment_criteria_apply(segment=segment, action="add", filters=city("Brest"))
        segment_criteria_apply(segment=segment, action="reduce", filters=city("Laval"))
        segment_criteria_apply(segment=segment, action="reduce", filters=city("Brest"))
    finally:
        segment_campaign_targets_changed.disconnect(receiver)
    assert sent == [
        ({campaign.pk}, {laval.pk}),
        ({campaign.pk}, {brest.pk}),
        ({campaign.pk}, {laval.pk}),
        ({campaign.pk}, {brest.pk}),
    ]


def test_seg7_a_line_added_by_hand_adds_exactly_that_contact(new_segment):
    """SEG-7: adding a line by hand is an add filtered on that contact's number: it adds that
    contact only (even when already on the segment) and records the filter."""
    chosen = CompanyFactory(city="Laval")
    CompanyFactory(city="Laval")
    segment = new_segment()
    segment_line_add(segment=segment, contact=chosen)
    segment_line_add(segment=segment, contact=chosen)
    assert list(segment.lines.values_list("contact_id", flat=True)) == [chosen.pk, chosen.pk]
    action = segment.criteria_actions.order_by("position").first()
    assert action.filters == {"contact": {"number": {"op": "in", "values": [chosen.number]}}}


def test_seg24_nothing_to_undo_message(new_segment):
    """SEG-24: with no action left, Go back reports "nothing to undo"."""
    with pytest.raises(ApplicationError, match=r"^There is nothing to undo\.$"):
        segment_go_back(segment=new_segment())


def test_seg24_go_back_deletes_only_its_own_history(new_segment):
    """SEG-24: Go back deletes the history of the action it undoes only: another segment's
    history at the same position and this segment's earlier actions keep theirs, so each
    can still be undone."""
    laval, brest = CompanyFactory(city="Laval"), CompanyFactory(city="Brest")
    segment, other = new_segment(), new_segment()
    for seg in (segment, other):
        segment_criteria_apply(segment=seg, action="add", filters={})
        segment_criteria_apply(segment=seg, action="reduce", filters=city("Laval"))
    segment_criteria_apply(segment=segment, action="reduce", filters=city("Brest"))
    segment_go_back(segment=segment)  # the Brest reduce
    assert SegmentHistory.objects.filter(segment=other).count() == 1
    segment_go_back(segment=segment)  # the Laval reduce, from its history
    assert {laval.pk, brest.pk} <= set(segment.lines.values_list("contact_id", flat=True))
    assert not SegmentHistory.objects.filter(segment=segment).exists()
    assert SegmentHistory.objects.filter(segment=other).count() == 1


def test_cmp23_go_back_tells_the_campaign_which_contacts_it_changed(new_segment):
    """CMP-23: on a segment targeting a campaign, going back over an add reports the contacts
    of the lines it removes."""
    laval = CompanyFactory(city="Laval")
    campaign = CampaignFactory()
    segment = new_segment()
    Segment.objects.filter(pk=segment.pk).update(campaign=campaign, is_campaign_target=True)
    segment.refresh_from_db()
    segment_criteria_apply(segment=segment, action="add", filters=city("Laval"))
    sent = []

    def receiver(sender, campaign_ids, contact_ids, **kwargs):
        sent.append((campaign_ids, contact_ids))

    segment_campaign_targets_changed.connect(receiver)
    try:
        segment_go_back(segment=segment)
    finally:
        segment_campaign_targets_changed.disconnect(receiver)
    assert sent == [({campaign.pk}, {laval.pk})]


def test_seg23_a_busy_segment_takes_criteria_actions_only_from_its_job(new_segment, marketing_user):
    """SEG-23 with a background job running on the segment: a criteria action is refused,
    except from that job itself; the action records who ran it."""
    CompanyFactory(city="Laval")
    segment = new_segment()
    job = bulk_job_create(kind="segment_test", target=segment)
    bulk_job_start(job_id=job.pk)
    Segment.objects.filter(pk=segment.pk).update(running_job=job)
    for job_id in (None, job.pk + 1):
        with pytest.raises(ApplicationError, match="is busy"):
            segment_criteria_apply(
                segment=segment, action="add", filters=city("Laval"), job_id=job_id
            )
    action, count = segment_criteria_apply(
        segment=segment, action="add", filters=city("Laval"), job_id=job.pk, user=marketing_user
    )
    assert count == 1
    assert SegmentCriteriaAction.objects.get(pk=action.pk).created_by == marketing_user


@pytest.mark.parametrize("who", ["blocked", "person_of_blocked_company"])
def test_seg29_a_privacy_blocked_contact_cannot_be_added_by_hand(new_segment, who):
    """SG-29 / CON-54: adding by hand a privacy-blocked contact, or a person of a blocked
    company, is refused with a message naming the contact; no action is recorded."""
    from tests.factories.contacts import PersonFactory

    blocked = CompanyFactory(name="Hidden", is_privacy_blocked=True)
    contact = blocked if who == "blocked" else PersonFactory(company=blocked, name="Jo")
    CompanyFactory(is_privacy_blocked=True)  # another blocked company changes nothing
    segment = new_segment()
    with pytest.raises(ValidationError) as caught:
        segment_line_add(segment=segment, contact=contact)
    assert caught.value.message_dict == {
        "contact": [f"Contact {contact.number} {contact.name} is blocked due to privacy."]
    }
    assert not segment.criteria_actions.exists()


def test_seg29_a_person_of_an_unblocked_company_can_be_added_by_hand(new_segment):
    """SG-29: the check looks at the person's own company only."""
    from tests.factories.contacts import PersonFactory

    CompanyFactory(is_privacy_blocked=True)
    person = PersonFactory(company=CompanyFactory())
    segment = new_segment()
    segment_line_add(segment=segment, contact=person)
    assert list(segment.lines.values_list("contact_id", flat=True)) == [person.pk]
