"""Segments wired to campaigns (CA-2, CMP-2)."""

import pytest

from campaigns.services import campaign_delete
from crm.exceptions import ApplicationError
from segments.services import segment_create, segment_line_add, segment_update
from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(db, marketing_user):
    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series_with_line("SEGM", "SG000001"))
    return segment_create(
        user=marketing_user,
        data={"description": "Spring mailing", "template": InteractionTemplateFactory()},
    )


def test_ca2_header_campaign_and_target_copied_to_lines(segment):
    """CA-2: setting a campaign on the header and ticking campaign target copies both to the
    lines that use the header's template after confirmation (SEG-3); new lines take the
    header's campaign."""
    first = segment_line_add(segment=segment, contact=CompanyFactory())
    other = segment_line_add(segment=segment, contact=CompanyFactory())
    other.template = InteractionTemplateFactory()
    other.save(update_fields=["template"])
    campaign = CampaignFactory()

    segment_update(segment=segment, data={"campaign": campaign, "is_campaign_target": True})
    first.refresh_from_db()
    assert (first.campaign_id, first.is_campaign_target) == (None, False)  # not confirmed

    segment_update(
        segment=segment,
        data={"campaign": None, "is_campaign_target": False},
    )
    segment_update(
        segment=segment,
        data={"campaign": campaign, "is_campaign_target": True},
        update_lines=True,
    )
    first.refresh_from_db()
    other.refresh_from_db()
    assert (first.campaign, first.is_campaign_target) == (campaign, True)
    assert other.campaign_id is None  # another template: untouched
    segment.refresh_from_db()
    added = segment_line_add(segment=segment, contact=CompanyFactory())
    assert (added.campaign, added.is_campaign_target) == (campaign, True)


def test_cmp2_campaign_of_an_unlogged_segment_cannot_be_deleted(segment):
    """CMP-2: deleting a campaign is refused while an unlogged segment references it."""
    campaign = CampaignFactory()
    segment_update(segment=segment, data={"campaign": campaign})
    with pytest.raises(ApplicationError, match=r"cannot be deleted.*segment"):
        campaign_delete(campaign=campaign)
