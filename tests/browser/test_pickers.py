"""Type-ahead pickers in the browser: type, ArrowDown, Enter; no mouse (crm.widgets)."""

import pytest
from playwright.sync_api import expect

from interactions.models import InteractionLogEntry
from opportunities.models import Opportunity
from tests.crm.test_pickers import bulk_contacts
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionLogEntryFactory, InteractionTemplateFactory
from tests.factories.opportunities import cycle_with_stages, number_series_setup
from tests.factories.setup import SalespersonFactory

LANGUAGES = [
    # language, "no results" label, "type to search" placeholder
    ("en", "No results", "Type to search…"),
    ("fr", "Aucun résultat", "Tapez pour rechercher…"),
]


def _switch_language(page, language):
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language-select", language)
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "no_results", "placeholder"), LANGUAGES)
def test_new_opportunity_picks_its_contact_with_the_keyboard(
    live_server, login, make_user, language, no_results, placeholder
):
    # given: many contacts, one of them the wanted person
    setup = number_series_setup()
    setup.default_sales_cycle = cycle_with_stages(2)
    setup.save()
    user = make_user("sales", groups=["Sales"])
    SalespersonFactory(user=user)
    bulk_contacts(300)
    wanted = PersonFactory(name="Zoé Keyboard", email="zoe.kb@pick.example")
    page = login(user)
    _switch_language(page, language)
    page.goto(f"{live_server.url}/opportunities/new/")
    assert page.locator("#id_contact option").count() == 1  # the empty choice, no contact
    # when: keyboard only
    page.locator("#id_description").fill("Keyboard deal")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_contact-ts-control"
    assert page.locator("#id_contact-ts-control").get_attribute("placeholder") == placeholder
    page.keyboard.type("qqqxq")
    page.locator(".ts-dropdown .no-results").wait_for()
    assert page.locator(".ts-dropdown .no-results").inner_text() == no_results
    for _ in range(5):
        page.keyboard.press("Backspace")
    page.keyboard.type("zoe.kb@pick")  # an e-mail fragment: the server searches it
    page.locator(".ts-dropdown .option", has_text="Zoé Keyboard").wait_for()
    assert page.locator(".ts-dropdown .option").count() == 1
    page.screenshot(path=f".data/screenshot-picker-dropdown-{language}.png")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_contact") == str(wanted.pk)
    page.screenshot(path=f".data/screenshot-picker-{language}.png", full_page=True)
    with page.expect_navigation():
        page.locator("#id_description").press("Enter")
    # then: the saved foreign key, read back from PostgreSQL
    opportunity = Opportunity.objects.get(description="Keyboard deal")
    assert opportunity.contact_id == wanted.pk
    assert f"/opportunities/{opportunity.pk}/" in page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "no_results", "placeholder"), LANGUAGES)
def test_interaction_log_filters_by_company_through_the_picker(
    live_server, login, make_user, language, no_results, placeholder
):
    # given: interactions of two companies
    user = make_user("sales", groups=["Sales"])
    globex = CompanyFactory(name="Globex Picker")
    InteractionLogEntryFactory(contact=PersonFactory(company=globex), description="At Globex")
    InteractionLogEntryFactory(contact=CompanyFactory(name="Initech"), description="At Initech")
    page = login(user)
    _switch_language(page, language)
    page.goto(f"{live_server.url}/interactions/")
    assert page.locator("#results tbody tr").count() == 2
    # when: focus the company picker from the keyboard, type, pick
    page.locator("#id_company-ts-control").focus()
    page.keyboard.type("globex pick")
    page.locator(".ts-dropdown .option", has_text="Globex Picker").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**company={globex.pk}**")
    # then: the htmx list shows Globex's interaction only, the picker shows its name
    expect(page.locator("#results tbody tr")).to_have_count(1)  # no eval: CSP forbids it
    assert "At Globex" in page.locator("#results tbody").inner_text()
    page.reload()
    assert "Globex Picker" in page.locator("#id_company-ts-control").locator("..").inner_text()
    assert InteractionLogEntry.objects.filter(contact_company=globex).count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_interaction_wizard_picks_the_contact_and_keeps_it_across_the_htmx_swap(
    live_server, login, make_user
):
    # given
    user = make_user("marketing", groups=["Marketing"])
    bulk_contacts(200)
    wanted = CompanyFactory(name="Wizard Picked SA", salesperson=SalespersonFactory(code="ANNA"))
    template = InteractionTemplateFactory(code="CALL", description="Phone call")
    page = login(user)
    page.goto(f"{live_server.url}/interactions/create/")
    # when: pick the contact with the keyboard, then choose a template (htmx swaps the wizard)
    page.locator("#id_contact-ts-control").focus()
    page.keyboard.type("wizard pick")
    page.locator(".ts-dropdown .option", has_text="Wizard Picked SA").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.select_option("#id_template", str(template.pk))
    expect(page.locator("#id_description")).to_have_value("Phone call")
    # then: the swapped-in wizard carries the picked contact (shown by name, posted by pk)
    assert "Wizard Picked SA" in page.locator("#wizard").inner_text()
    assert page.locator("#wizard input[name=contact]").input_value() == str(wanted.pk)
    page.screenshot(path=".data/screenshot-picker-wizard.png", full_page=True)
    page.click("button[name=action][value=finish]")
    page.wait_for_url(f"**/interactions/?contact={wanted.pk}")
    assert InteractionLogEntry.objects.get().contact_id == wanted.pk
