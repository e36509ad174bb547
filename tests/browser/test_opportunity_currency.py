"""The opportunity card shows the base currency's code next to its amounts, in English and in
French (SPEC 3: money is in the base currency of the marketing setup)."""

import re

import pytest
from playwright.sync_api import expect

from setup.models import MarketingSetup
from tests.factories.opportunities import (
    cycle_with_stages,
    number_series_setup,
    started_opportunity,
)
from tests.factories.setup import CurrencyFactory, SalespersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AMOUNT = {"en": r"12,345\.50", "fr": r"12\s345,50"}  # grouped as the locale says


@pytest.mark.parametrize("language", ["en", "fr"])
def test_opportunity_card_shows_the_currency_code_next_to_the_amount(
    live_server, page, login, make_user, language
):
    # given: a base currency and an opportunity of 12,345.50
    number_series_setup()
    setup = MarketingSetup.load()
    setup.base_currency = CurrencyFactory(code="CHF")
    setup.save()
    user = make_user("sally", groups=["Sales"])
    opportunity = started_opportunity(
        cycle_with_stages(2), SalespersonFactory(user=user), value="12345.50"
    )
    # when
    login(user)
    if language == "fr":
        with page.expect_navigation():
            page.select_option("#language-select", "fr")
    page.goto(f"{live_server.url}{opportunity.get_absolute_url()}")
    # then: the amount, then the code beside it
    assert page.locator("html").get_attribute("lang") == language
    amount = page.locator("#estimated-value")
    expect(amount).to_have_text(re.compile(rf"^{AMOUNT[language]}\s+CHF$"))
    expect(amount.locator(".currency-code")).to_have_text("CHF")
