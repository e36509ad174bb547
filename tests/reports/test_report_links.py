"""The opportunity and campaign cards link to their details reports."""

import pytest
from django.urls import reverse

from tests.factories.campaigns import CampaignFactory
from tests.factories.opportunities import OpportunityFactory

pytestmark = pytest.mark.django_db


def test_opportunity_card_links_to_its_details_report(client, admin_user_):
    # given two opportunities
    opportunity, other = OpportunityFactory(), OpportunityFactory()
    client.force_login(admin_user_)
    # when the card is shown
    card = client.get(reverse("opportunities:opportunity-detail", args=[opportunity.pk]))
    # then it links to the report filtered on this opportunity, which shows it alone
    link = f"{reverse('reports:opportunity-details')}?opportunity={opportunity.pk}"
    assert link in card.content.decode()
    report = client.get(link)
    assert report.status_code == 200
    assert [o.pk for o in report.context["page_obj"].object_list] == [opportunity.pk]
    assert other.number not in report.content.decode()


def test_campaign_card_links_to_its_details_report(client, admin_user_):
    campaign = CampaignFactory()
    client.force_login(admin_user_)
    card = client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]))
    link = reverse("reports:campaign-details", args=[campaign.pk])
    assert f'href="{link}"' in card.content.decode()
    assert client.get(link).status_code == 200


def test_details_report_links_in_french(client, admin_user_):
    campaign, opportunity = CampaignFactory(), OpportunityFactory()
    client.force_login(admin_user_)
    for url in [
        reverse("campaigns:campaign-detail", args=[campaign.pk]),
        reverse("opportunities:opportunity-detail", args=[opportunity.pk]),
    ]:
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "Rapport détaillé" in body
