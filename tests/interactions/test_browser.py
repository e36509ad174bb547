import pytest
from playwright.sync_api import expect

from interactions.models import InteractionLogEntry
from tests.browser.conftest import (  # noqa: F401 - fixtures of the browser journeys
    _chromium_present,
    browser_type_launch_args,
    login,
)
from tests.factories.interactions import (
    CompanyFactory,
    InteractionTemplateFactory,
    SalespersonFactory,
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_log_an_interaction_from_a_contact_then_filter_the_log(live_server, login, make_user):  # noqa: F811
    # given
    user = make_user("marketing", groups=["Marketing"])
    salesperson = SalespersonFactory(code="ANNA")
    contact = CompanyFactory(name="Acme", salesperson=salesperson)
    template = InteractionTemplateFactory(
        code="VISIT", description="Customer visit", unit_cost="25.00"
    )
    page = login(user)
    # when: the wizard opens from the contact card link and the template fills its defaults
    page.goto(f"{live_server.url}/interactions/create/?contact={contact.pk}")
    page.select_option("#id_template", str(template.pk))
    expect(page.locator("#id_cost")).to_have_value("25.00")  # no eval: CSP forbids it
    assert page.input_value("#id_description") == "Customer visit"
    page.fill("#id_duration_min", "45")
    page.screenshot(path=".data/screenshot-interaction-wizard.png", full_page=True)
    page.click("button[name=action][value=finish]")
    page.wait_for_url(f"**/interactions/?contact={contact.pk}")
    # then
    entry = InteractionLogEntry.objects.get()
    assert (str(entry.cost), str(entry.duration_min)) == ("25.00", "45.00")
    assert entry.salesperson == salesperson
    assert "Customer visit" in page.locator("#results tbody").inner_text()
    # when: filtering through htmx
    page.goto(f"{live_server.url}/interactions/")
    page.select_option("#id_salesperson", str(salesperson.pk))
    page.wait_for_url(f"**salesperson={salesperson.pk}**")
    assert page.locator("#results tbody tr").count() == 1
    page.screenshot(path=".data/screenshot-interaction-log.png", full_page=True)
