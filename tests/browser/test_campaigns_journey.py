"""A campaign created with its segment in the browser, in English and in French, read back
from PostgreSQL (SPEC 6.3 steps 1–2)."""

import pytest

from campaigns.models import Campaign
from segments.models import Segment
from setup.models import MarketingSetup
from tests.factories.setup import series_with_line

TEXT = {
    "en": {"new_segment": "New segment", "target": "Campaign target", "yes": "yes"},
    "fr": {"new_segment": "Nouveau segment", "target": "Cible de campagne", "yes": "oui"},
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_campaign_created_with_a_segment(live_server, login, make_user, language):
    """Create a campaign from its page, then "New segment" on its card: the segment form
    comes with the campaign chosen; the saved segment carries the campaign and the target
    flag; both cards show each other."""
    text = TEXT[language]
    MarketingSetup.load()
    MarketingSetup.objects.update(
        campaign_series=series_with_line("CAMB", "CB0001"),
        segment_series=series_with_line("SEGB", "SB0001"),
    )
    page = login(make_user("mkt", groups=["Marketing"]))
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language-select", language)
    assert page.locator("html").get_attribute("lang") == language

    page.goto(f"{live_server.url}/campaigns/new/")
    page.fill("input[name=description]", f"Salon {language}")
    page.click("input[type=submit][name=save]")
    page.wait_for_url(f"{live_server.url}/campaigns/*/")
    campaign = Campaign.objects.get()
    assert (campaign.number, campaign.description) == ("CB0001", f"Salon {language}")
    assert page.locator("#messages .alert").count() == 1

    page.locator("#segments a", has_text=text["new_segment"]).click()
    assert page.locator("select[name=campaign]").input_value() == str(campaign.pk)
    page.fill("input[name=description]", f"Invités {language}")
    page.check("input[name=is_campaign_target]")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/segments/*/")
    segment = Segment.objects.get()
    assert (segment.number, segment.campaign, segment.is_campaign_target) == (
        "SB0001",
        campaign,
        True,
    )
    assert page.locator("#segment-campaign").inner_text().startswith("CB0001")
    assert page.locator("#segment-campaign-target").inner_text() == text["yes"]
    assert page.get_by_text(text["target"]).first.is_visible()
    assert page.locator("#messages .alert").count() == 1
    page.screenshot(path=f".data/screenshot-segment-with-campaign-{language}.png", full_page=True)

    page.goto(f"{live_server.url}{campaign.get_absolute_url()}")
    assert page.locator(f"#segments a[href='{segment.get_absolute_url()}']").count() == 1
