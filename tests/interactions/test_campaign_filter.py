"""The campaign filter of the interaction log (SPEC 4.3: contact, company, date, template,
group, salesperson, campaign, canceled, evaluation)."""

import re

import pytest
from django.urls import reverse

from interactions.filters import InteractionLogEntryFilterSet
from interactions.selectors import interaction_entry_list
from tests.factories.campaigns import CampaignFactory
from tests.factories.interactions import InteractionLogEntryFactory

pytestmark = pytest.mark.django_db


def test_filter_campaign_keeps_only_that_campaigns_entries():
    """SPEC 4.3: the log filtered by campaign lists that campaign's entries only."""
    # given
    campaign, other = CampaignFactory(), CampaignFactory()
    entry = InteractionLogEntryFactory(campaign=campaign)
    InteractionLogEntryFactory(campaign=other)
    InteractionLogEntryFactory()
    # when
    filterset = InteractionLogEntryFilterSet(
        {"campaign": campaign.pk}, queryset=interaction_entry_list()
    )
    # then
    assert filterset.is_valid(), filterset.errors
    assert list(filterset.qs) == [entry]


@pytest.mark.parametrize(("language", "label"), [("en", "Campaign"), ("fr", "Campagne")])
def test_interaction_log_page_filters_by_campaign(
    client, marketing_user, django_assert_max_num_queries, language, label
):
    """SPEC 4.3: the log page offers the campaign filter (labelled in the user's language)
    and lists only the chosen campaign's entries, with a bounded number of queries."""
    # given
    campaign = CampaignFactory(number="CP-SPRING", description="Spring mailing")
    CampaignFactory.create_batch(5)
    kept = InteractionLogEntryFactory(campaign=campaign, description="Kept entry")
    InteractionLogEntryFactory(campaign=CampaignFactory(), description="Other campaign")
    InteractionLogEntryFactory(description="No campaign")
    client.force_login(marketing_user)
    # when
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("interactions:index"),
            {"campaign": campaign.pk},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    # then
    assert response.status_code == 200
    assert list(response.context["object_list"]) == [kept]
    content = response.content.decode()
    assert re.search(rf'<label\s+for="id_campaign"[^>]*>\s*{label}\s*<', content)
    assert "CP-SPRING Spring mailing" in content
    assert "Kept entry" in content
    assert "Other campaign" not in content and "No campaign" not in content
