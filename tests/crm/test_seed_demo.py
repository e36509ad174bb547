"""``manage.py seed_demo``: every area gets rows, and a second run adds nothing."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

COUNTED = [
    "contacts.Contact",
    "contacts.ContactBusinessRelation",
    "contacts.SalesHistoryLine",
    "contacts.ProfileQuestionnaire",
    "contacts.ContactProfileAnswer",
    "interactions.InteractionLogEntry",
    "opportunities.SalesCycle",
    "opportunities.SalesCycleStage",
    "opportunities.CloseOpportunityCode",
    "opportunities.Activity",
    "opportunities.Opportunity",
    "opportunities.OpportunityEntry",
    "opportunities.OpportunityPipelineSummary",
    "opportunities.SalesQuote",
    "opportunities.Task",
    "opportunities.Attendee",
    "segments.Segment",
    "segments.SegmentLine",
    "segments.SavedSegmentCriteria",
    "segments.LoggedSegment",
    "campaigns.Campaign",
    "crm.BulkJob",
]


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


@pytest.mark.django_db
def test_seed_demo_fills_every_area_and_is_idempotent():
    call_command("seed_demo", contacts=300, stdout=io.StringIO())
    first = _counts()

    assert first["contacts.Contact"] == 300
    assert first["interactions.InteractionLogEntry"] > 0
    assert first["opportunities.SalesCycle"] >= 2
    assert first["opportunities.Opportunity"] >= 25
    assert first["campaigns.Campaign"] >= 3
    assert first["contacts.ProfileQuestionnaire"] >= 1
    assert first["contacts.ContactProfileAnswer"] > 0
    assert first["segments.SavedSegmentCriteria"] >= 1

    entry = apps.get_model("opportunities.OpportunityEntry")
    summary = apps.get_model("opportunities.OpportunityPipelineSummary")
    open_entries = entry.objects.filter(is_active=True).exclude(action_taken__in=["won", "lost"])
    assert open_entries.exists()
    # The triggers kept the pipeline summary equal to the open active entries.
    assert sum(summary.objects.values_list("count", flat=True)) == open_entries.count()
    assert entry.objects.filter(is_active=True, action_taken__in=["won", "lost"]).exists()

    task = apps.get_model("opportunities.Task")
    assert task.objects.filter(is_closed=False).exists()
    assert task.objects.filter(is_closed=True).exists()
    assert task.objects.filter(team_task__isnull=False).exists()  # member copies
    assert task.objects.filter(type="meeting", attendees__kind="contact").exists()

    segment = apps.get_model("segments.Segment")
    assert segment.objects.filter(lines__isnull=False).exists()

    call_command("seed_demo", contacts=300, stdout=io.StringIO())
    assert _counts() == first
