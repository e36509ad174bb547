import pytest

from campaigns.models import Campaign, CampaignPriceLine
from setup.models import MarketingSetup
from tests.browser.conftest import (  # noqa: F401  (fixtures)
    _chromium_present,
    browser_type_launch_args,
    login,
)
from tests.factories.setup import series_with_line


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_campaign_journey_create_price_line_filter(live_server, login, make_user):  # noqa: F811
    """Create a campaign, add a price line, see the card with its SVG chart, filter the list
    through htmx."""
    MarketingSetup.load()
    MarketingSetup.objects.update(campaign_series=series_with_line("CAMPB", "CB0001"))
    page = login(make_user("mkt", groups=["Marketing"]))
    page.goto(f"{live_server.url}/campaigns/new/")
    page.fill("input[name=description]", "Salon de printemps")
    page.fill("input[name=starting_date]", "2026-03-01")
    page.fill("input[name=ending_date]", "2026-03-31")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(f"{live_server.url}/campaigns/*/")
    campaign = Campaign.objects.get()
    assert campaign.number == "CB0001"
    page.click("text=Add price line")
    page.fill("input[name=item_code]", "1000")
    page.fill("input[name=unit_price]", "12.50")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(f"{live_server.url}{campaign.get_absolute_url()}")
    assert CampaignPriceLine.objects.filter(campaign=campaign, item_code="1000").exists()
    # a new campaign has no interactions yet: the chart says so instead of drawing zeros
    assert page.locator("#statistics .chart-empty").count() == 1
    page.screenshot(path=".data/screenshot-campaign-card.png", full_page=True)
    page.goto(f"{live_server.url}/campaigns/")
    page.fill("input[name=q]", "zzz")
    page.wait_for_selector("#results >> text=No campaigns match.")
    assert "q=zzz" in page.url
