"""Optimistic locking on the campaign edit form: two users open it, the second save is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from crm.concurrency import StaleObjectError, version_token
from tests.factories.campaigns import CampaignFactory

pytestmark = pytest.mark.django_db


def form_data(form) -> dict:
    """What a browser would post back for an untouched form."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[bound.html_name] = value
    return data


def two_clients(user_a, user_b):
    a, b = Client(), Client()
    a.force_login(user_a)
    b.force_login(user_b)
    return a, b


def test_second_campaign_save_is_refused_with_the_changed_fields(marketing_user, admin_user_):
    # given two users who opened the same edit form
    campaign = CampaignFactory(description="Spring")
    url = reverse("campaigns:campaign-update", args=[campaign.pk])
    a, b = two_clients(marketing_user, admin_user_)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert data_a["version"] == version_token(campaign)
    # when A saves first, then B saves from the old form
    assert a.post(url, {**data_a, "description": "Spring A"}).status_code == 302
    response = b.post(url, {**data_b, "description": "Spring B", "ending_date": "2030-05-31"})
    # then B is refused, sees its values against the current ones, and nothing of B is written
    assert response.status_code == 200
    error = response.context["form"].non_field_errors()[0]
    assert "Someone else saved this record" in error
    assert "Description: Spring B / Spring A" in error
    assert "Ending date: 2030-05-31 / —" in error
    campaign.refresh_from_db()
    assert (campaign.description, campaign.ending_date) == ("Spring A", None)
    # and the re-rendered form carries the current version: saving again is a choice
    again = form_data(response.context["form"])
    assert again["version"] == version_token(campaign)
    assert again["description"] == "Spring B"
    assert b.post(url, again).status_code == 302
    campaign.refresh_from_db()
    assert campaign.description == "Spring B"
    assert str(campaign.ending_date) == "2030-05-31"


def test_a_campaign_save_without_concurrent_change_goes_through(marketing_user):
    campaign = CampaignFactory(description="Spring")
    url = reverse("campaigns:campaign-update", args=[campaign.pk])
    client = Client()
    client.force_login(marketing_user)
    data = form_data(client.get(url).context["form"])
    assert client.post(url, {**data, "description": "Summer"}).status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).description == "Summer"


def test_campaign_update_service_refuses_a_stale_version():
    from campaigns.services import campaign_update

    campaign = CampaignFactory(description="Spring")
    with pytest.raises(StaleObjectError, match="Someone else saved"):
        campaign_update(
            campaign=campaign,
            data={"description": "Other"},
            expected_version="2000-01-01T00:00:00+00:00",
        )
    assert Campaign.objects.get(pk=campaign.pk).description == "Spring"
    # callers without a form (None) are not checked
    campaign_update(campaign=campaign, data={"description": "Other"}, expected_version=None)
    assert Campaign.objects.get(pk=campaign.pk).description == "Other"
