"""A salesperson's opportunity day in the browser, in English and in French: create an
opportunity, drag it across the pipeline board, create its quote, set the quote's lines,
close it as won; the result is read back from PostgreSQL. And a refused drop."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from opportunities.models import Opportunity, OpportunityEntry, SalesQuote
from tests.factories.campaigns import CampaignFactory, CampaignTargetGroupFactory
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import (
    CloseOpportunityCodeFactory,
    SalesCycleFactory,
    SalesCycleStageFactory,
    number_series_setup,
)
from tests.factories.setup import SalespersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSED = {"en": "was not moved", "fr": "n'a pas été déplacée"}


@pytest.fixture
def world(make_user):
    number_series_setup()
    user = make_user("sally", groups=["Sales"])
    salesperson = SalespersonFactory(user=user, name="Sally Seller")
    SalesCycleFactory(code="AAEMPTY", description="Empty cycle")  # sorts first, no deals
    cycle = SalesCycleFactory(code="STD", description="Standard")
    for stage, name, quote in [
        (1, "Qualification", False),
        (2, "Proposal", False),
        (3, "Negotiation", True),
    ]:
        SalesCycleStageFactory(
            sales_cycle=cycle, stage=stage, description=name, is_quote_required=quote
        )
    CloseOpportunityCodeFactory(code="WONPRICE", description="Best price", type="won")
    CloseOpportunityCodeFactory(code="LOSTPRICE", description="Too expensive", type="lost")
    company = CompanyFactory(name="Brasserie Dupont")
    today = timezone.localdate()
    campaign = CampaignFactory(
        description="Beer fair",
        starting_date=today - dt.timedelta(days=7),
        ending_date=today + dt.timedelta(days=7),
    )
    CampaignTargetGroupFactory(campaign=campaign)  # activated (CMP-22)
    return {
        "user": user,
        "salesperson": salesperson,
        "cycle": cycle,
        "company": company,
        "campaign": campaign,
    }


def _login(login, page, user, language):
    login(user)
    if language == "fr":
        with page.expect_navigation():
            page.select_option("#language-select", "fr")
    assert page.locator("html").get_attribute("lang") == language


def _drag(page, number, stage):
    card = page.locator(f"li.pipeline-card[data-number='{number}']")
    target = page.locator(f"ul[data-stage='{stage}']")
    card.scroll_into_view_if_needed()
    start, end = card.bounding_box(), target.bounding_box()
    x, y = start["x"] + start["width"] - 20, start["y"] + 12  # beside the link: the card itself
    to_x, to_y = end["x"] + end["width"] / 2, end["y"] + 20
    with page.expect_response(lambda r: "/pipeline/move/" in r.url):
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 11):  # SortableJS follows the pointer in steps
            page.mouse.move(x + (to_x - x) * step / 10, y + (to_y - y) * step / 10)
        page.mouse.up()


def _card(page, stage, number):
    return page.locator(f"ul[data-stage='{stage}'] li[data-number='{number}']")


def _create_opportunity(page, live_server, world, description):
    page.goto(f"{live_server.url}/opportunities/new/")
    page.fill("input[name=description]", description)
    page.locator("#id_contact-ts-control").click()  # the contact type-ahead picker
    page.keyboard.type("Brasserie Dup")
    page.locator(".ts-dropdown .option", has_text="Brasserie Dupont").first.click()
    assert page.input_value("#id_contact") == str(world["company"].pk)
    page.select_option("select[name=salesperson]", str(world["salesperson"].pk))
    page.select_option("select[name=sales_cycle]", str(world["cycle"].pk))
    page.select_option("select[name=campaign]", str(world["campaign"].pk))
    page.check("input[name=activate_first_stage]")
    page.fill("input[name=estimated_value]", "5000")
    page.fill("input[name=chances_percent]", "40")
    with page.expect_navigation():
        page.locator("form input[type=submit][name=submit]").click()
    return Opportunity.objects.get(description=description)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_opportunity_day_create_drag_quote_lines_close_won(
    live_server, page, login, world, language
):
    _login(login, page, world["user"], language)
    opportunity = _create_opportunity(page, live_server, world, f"Beer taps {language}")
    assert opportunity.status == "in_progress"
    assert opportunity.campaign == world["campaign"]

    # the board opens on the cycle with deals, stage names shown; drag stage 1 → 2
    page.goto(f"{live_server.url}/opportunities/pipeline/")
    expect(page.locator("#board")).to_contain_text("2 · Proposal")
    _drag(page, opportunity.number, 2)
    expect(_card(page, 2, opportunity.number)).to_be_visible()
    assert OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).stage == 2

    # create the quote on the card, then drag into the quote-required stage 3
    page.goto(f"{live_server.url}{opportunity.get_absolute_url()}")
    with page.expect_navigation():
        page.locator(
            f"form[action='/opportunities/{opportunity.pk}/quote/'] button[type=submit]"
        ).click()
    quote = SalesQuote.objects.get(opportunity=opportunity)
    assert quote.amount == 0
    page.goto(f"{live_server.url}/opportunities/pipeline/")
    _drag(page, opportunity.number, 3)
    expect(_card(page, 3, opportunity.number)).to_be_visible()
    assert OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).stage == 3

    # the quote's lines, from the card; amounts computed as typed
    page.goto(f"{live_server.url}{opportunity.get_absolute_url()}")
    with page.expect_navigation():
        page.click("#open-quote")
    with page.expect_navigation():
        page.click(f"a[href='/opportunities/quotes/{quote.pk}/edit/']")
    page.fill("input[name=lines-0-description]", "Tap")
    page.fill("input[name=lines-0-quantity]", "4")
    page.fill("input[name=lines-0-unit_price]", "1250.50")
    page.fill("input[name=lines-1-description]", "Installation")
    page.fill("input[name=lines-1-quantity]", "1")
    page.fill("input[name=lines-1-unit_price]", "499")
    total = "5\u202f501,00" if language == "fr" else "5,501.00"
    expect(page.locator("#quote-total")).to_have_text(total)
    with page.expect_navigation():
        page.click("#quote-form button[type=submit][name=submit]")
    expect(page.locator("#quote-lines")).to_contain_text("Installation")

    # close as won: only the won codes are offered
    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/close/")
    expect(page.locator("#close-quote-amount")).to_be_visible()
    page.select_option("select[name=close_type]", "lost")
    expect(page.locator("select[name=close_code] option", has_text="LOSTPRICE")).to_have_count(1)
    expect(page.locator("select[name=close_code] option", has_text="WONPRICE")).to_have_count(0)
    page.select_option("select[name=close_type]", "won")
    expect(page.locator("select[name=close_code] option", has_text="WONPRICE")).to_have_count(1)
    page.select_option("select[name=close_code]", label="WONPRICE Best price")
    with page.expect_navigation():
        page.locator("form input[type=submit][name=submit]").click()
    page.screenshot(path=f".data/screenshot-opportunity-won-{language}.png", full_page=True)

    opportunity.refresh_from_db()
    quote.refresh_from_db()
    assert opportunity.status == "won"
    assert opportunity.is_closed
    assert quote.amount == Decimal("5501.00")
    assert list(quote.lines.values_list("description", "amount")) == [
        ("Tap", Decimal("5002.00")),
        ("Installation", Decimal("499.00")),
    ]
    won = OpportunityEntry.objects.get(opportunity=opportunity, is_active=True)
    assert won.calculated_current_value == Decimal("5501.00")
    assert won.close_code.code == "WONPRICE"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_refused_drop_says_why_and_puts_the_card_back(live_server, page, login, world, language):
    """Dropping into the quote-required stage without a quote is refused: the message is in
    the user's language and the card is back in its column; nothing is written."""
    _login(login, page, world["user"], language)
    opportunity = _create_opportunity(page, live_server, world, f"Kegs {language}")
    page.goto(f"{live_server.url}/opportunities/pipeline/")
    _drag(page, opportunity.number, 2)
    expect(_card(page, 2, opportunity.number)).to_be_visible()
    _drag(page, opportunity.number, 3)
    expect(page.locator("#board-error")).to_contain_text(REFUSED[language])
    expect(_card(page, 2, opportunity.number)).to_be_visible()
    expect(_card(page, 3, opportunity.number)).to_have_count(0)
    page.screenshot(path=f".data/screenshot-board-refused-{language}.png", full_page=True)
    assert OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).stage == 2
    entries = OpportunityEntry.objects.filter(opportunity=opportunity).count()
    assert entries == 2


PREVIEW = {"en": "What will change when you press Finish", "fr": "Ce qui changera quand"}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_update_form_previews_the_change_before_saving(live_server, page, login, world, language):
    """The update form starts from the current values and shows, as the user types, what
    Finish would change (stage, chances, close date); Finish then records just that."""
    _login(login, page, world["user"], language)
    opportunity = _create_opportunity(page, live_server, world, f"Casks {language}")
    page.goto(f"{live_server.url}/opportunities/{opportunity.pk}/update/")
    expect(page.locator("body")).to_contain_text(PREVIEW[language])
    expect(page.locator("input[name=chances_percent]")).to_have_value("40.00")
    expect(page.locator("#offered-actions")).to_contain_text("2 · Proposal")
    page.select_option("select[name=action]", "next")
    with page.expect_response(lambda r: "/update/preview/" in r.url):
        page.fill("input[name=chances_percent]", "65")
    expect(page.locator("#update-preview")).to_contain_text("2 · Proposal")
    expect(page.locator("#update-preview tr.table-warning").first).to_be_visible()
    with page.expect_navigation():
        page.locator("form input[type=submit][name=submit]").click()
    entry = OpportunityEntry.objects.get(opportunity=opportunity, is_active=True)
    assert entry.stage == 2
    assert entry.chances_percent == Decimal(65)
    page.screenshot(path=f".data/screenshot-opportunity-updated-{language}.png", full_page=True)
