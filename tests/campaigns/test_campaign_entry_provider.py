"""Decision 0009: interactions and segments get their campaign entries (CMP-10, SEG-41) from the
provider campaigns register in ``interactions.campaign_entries``, not from signal receivers'
return values."""

import pytest

from campaigns.models import CampaignEntry
from campaigns.services import (
    campaign_entries_create_for_logged_segment,
    campaign_entry_create_for_interaction,
)
from interactions import campaign_entries, signals
from interactions.models import InteractionLogEntry
from interactions.services import interaction_create, interaction_defaults
from segments import signals as segment_signals
from segments.models import SegmentLine
from segments.services import segment_create, segment_line_add, segment_log
from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignEntryFactory, CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory, series_with_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    """Swap the registered provider for the test, restore the real one afterwards."""
    real = campaign_entries.campaign_entry_provider()
    yield campaign_entries.register_campaign_entry_provider
    campaign_entries.register_campaign_entry_provider(real)


def _finish(contact, template):
    data = interaction_defaults(template=template, contact=contact)
    data.update(
        contact=contact, template=template, description="Visit", salesperson=SalespersonFactory()
    )
    return interaction_create(user=None, data=data)


def test_campaigns_register_their_services_as_the_provider():
    """The only way back from campaigns is the registered provider: its two services."""
    registered = campaign_entries.campaign_entry_provider()
    assert registered is not None
    assert registered.for_interaction is campaign_entry_create_for_interaction
    assert registered.for_logged_segment is campaign_entries_create_for_logged_segment
    # The value-returning signals are gone; the pure reactions stay signals (decision 0004).
    assert not hasattr(signals, "interaction_finished")
    assert not hasattr(segment_signals, "segment_logged")


def test_cmp10_interaction_stores_the_entry_the_provider_returns(provider):
    """CMP-10: finishing an interaction with a campaign calls the provider once with the entry
    and stores exactly what it returns."""
    campaign = CampaignFactory()
    premade = CampaignEntryFactory(campaign=campaign)
    calls = []

    def for_interaction(*, entry):
        calls.append(entry.pk)
        return premade

    provider(
        campaign_entries.CampaignEntryProvider(
            for_interaction=for_interaction, for_logged_segment=lambda **kwargs: {}
        )
    )
    template = InteractionTemplateFactory(campaign=campaign, correspondence_type="hard_copy")
    entry = _finish(CompanyFactory(), template)
    entry.refresh_from_db()
    assert calls == [entry.pk]
    assert entry.campaign_entry == premade
    assert CampaignEntry.objects.count() == 1  # nothing else created one


def test_cmp10_without_a_provider_no_campaign_entry_is_made(provider):
    """Without campaigns' provider (campaigns not installed) an interaction with a campaign is
    still finished, without campaign entry."""
    provider(None)
    campaign = CampaignFactory()
    template = InteractionTemplateFactory(campaign=campaign, correspondence_type="hard_copy")
    entry = _finish(CompanyFactory(), template)
    entry.refresh_from_db()
    assert entry.campaign == campaign
    assert entry.campaign_entry is None
    assert not CampaignEntry.objects.exists()


def test_seg41_logged_segment_stores_the_entries_the_provider_returns(provider, marketing_user):
    """SEG-41 / CMP-10: segment logging asks the provider once for the campaigns on its lines
    and writes the returned entries on the logged interactions."""
    series = series_with_line("SEGM", "SG000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series)
    template = InteractionTemplateFactory(code="LETTER", correspondence_type="hard_copy")
    segment = segment_create(
        user=marketing_user,
        data={
            "description": "Spring mailing",
            "template": template,
            "salesperson": SalespersonFactory(),
        },
    )
    campaign = CampaignFactory()
    contacts = [CompanyFactory(), CompanyFactory()]
    for contact in contacts:
        segment_line_add(segment=segment, contact=contact)
    SegmentLine.objects.filter(segment=segment).update(campaign=campaign)
    premade = CampaignEntryFactory(campaign=campaign)
    calls = []

    def for_logged_segment(**kwargs):
        calls.append(kwargs)
        return {campaign.pk: premade}

    provider(
        campaign_entries.CampaignEntryProvider(
            for_interaction=lambda **kwargs: None, for_logged_segment=for_logged_segment
        )
    )
    logged, _job, _follow_up = segment_log(segment=segment, user=marketing_user)
    assert len(calls) == 1
    assert calls[0]["campaign_ids"] == {campaign.pk}
    assert calls[0]["logged_segment"] == logged
    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    assert entries.count() == 2
    assert set(entries.values_list("campaign_entry_id", flat=True)) == {premade.pk}
