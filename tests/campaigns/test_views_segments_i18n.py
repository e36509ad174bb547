"""Campaign pages in French and English: sort choices translated; a campaign gets its
segment from its card ("New segment" with the campaign filled in)."""

import pytest
from django.urls import reverse

from segments.models import Segment
from setup.models import MarketingSetup
from tests.factories.campaigns import CampaignFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("fr", ["Trier par", "N° (décroissant)", "Date de début (décroissante)"], "descending"),
        ("en", ["Sort by", "No. (descending)", "Starting date (descending)"], "décroissant"),
    ],
)
def test_campaign_sort_choices_are_translated(client, marketing_user, language, expected, absent):
    """The campaign list's sort choices, descending ones included, follow the language."""
    CampaignFactory()
    client.force_login(marketing_user)
    response = client.get(reverse("campaigns:index"), headers={"accept-language": language})
    content = response.content.decode()
    for text in expected:
        assert text in content, text
    assert absent not in content


@pytest.mark.parametrize("language", ["en", "fr"])
def test_new_segment_from_the_campaign_card(client, marketing_user, language):
    """SPEC 6.3 step 2: the campaign card offers "New segment"; its form comes with the
    campaign filled in; the saved segment carries the campaign and the target flag and is
    listed on the campaign card."""
    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series_with_line("SEGC", "SC0001"))
    campaign = CampaignFactory(description="Foire 2027")
    client.force_login(marketing_user)
    headers = {"accept-language": language}
    card = client.get(campaign.get_absolute_url(), headers=headers).content.decode()
    link = f"{reverse('segments:segment-create')}?campaign={campaign.pk}"
    assert f'href="{link}"' in card
    form = client.get(link, headers=headers)
    assert form.context["form"]["campaign"].value() == str(campaign.pk)
    response = client.post(
        reverse("segments:segment-create"),
        {"description": "Invités", "campaign": campaign.pk, "is_campaign_target": "on"},
        headers=headers,
    )
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert (segment.number, segment.campaign, segment.is_campaign_target) == (
        "SC0001",
        campaign,
        True,
    )
    card = client.get(campaign.get_absolute_url(), headers=headers).content.decode()
    assert segment.get_absolute_url() in card


@pytest.mark.django_db(transaction=True)
def test_activation_job_done_at_once_gives_one_message(client, marketing_user, monkeypatch):
    """One message per outcome: an activation job that finished at once (eager worker) says
    "activated", never "runs in the background"."""
    from campaigns import services as campaign_services
    from campaigns.models import CampaignTargetGroup
    from segments.services import segment_create, segment_line_add
    from tests.factories.contacts import CompanyFactory

    monkeypatch.setattr(campaign_services, "ACTIVATE_INLINE_LIMIT", 0)
    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series_with_line("SEGJ", "SJ0001"))
    campaign = CampaignFactory()
    segment = segment_create(
        user=marketing_user,
        data={"description": "Targets", "campaign": campaign, "is_campaign_target": True},
    )
    segment_line_add(segment=segment, contact=CompanyFactory())
    client.force_login(marketing_user)
    response = client.post(
        reverse("campaigns:campaign-activate", args=[campaign.pk]), {"confirm": "1"}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["Special prices activated: 1 target rows added."], texts
    assert CampaignTargetGroup.objects.filter(campaign=campaign).count() == 1


def test_price_line_delete_asks_first_without_script(client, marketing_user):
    """The card's delete link opens a confirmation page (no inline script); POST deletes."""
    from campaigns.models import CampaignPriceLine
    from tests.factories.campaigns import CampaignPriceLineFactory

    line = CampaignPriceLineFactory()
    client.force_login(marketing_user)
    card = client.get(line.campaign.get_absolute_url()).content.decode()
    assert "onsubmit=" not in card
    url = reverse("campaigns:price-line-delete", args=[line.campaign.pk, line.pk])
    assert f'href="{url}"' in card
    page = client.get(url, headers={"accept-language": "fr"})
    assert "Supprimer cette ligne de prix ?" in page.content.decode()
    assert CampaignPriceLine.objects.filter(pk=line.pk).exists()
    client.post(url)
    assert not CampaignPriceLine.objects.filter(pk=line.pk).exists()
