"""Log an interaction through the wizard in a real browser, in English and in French, and
read the entry back from the database (SPEC 4.3, INT-5/8/9)."""

import datetime as dt
from decimal import Decimal

import pytest

from interactions.models import InteractionLogEntry
from tests.factories.interactions import CompanyFactory, InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

ON = dt.date(2026, 3, 5)  # 05/03/2026 in French: day and month differ

TEXTS = {
    "en": {"contact": "Contact:", "logged": "Interaction {} logged."},
    "fr": {"contact": "Contact :", "logged": "Interaction {} enregistrée."},
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_log_an_interaction_through_the_wizard(live_server, login, make_user, language):
    """SPEC 4.3: from a contact, choose a template (its defaults come in), describe, date the
    interaction, change the cost, finish: one entry with those values, and the log says so."""
    # given
    user = make_user("seller", groups=["Sales"])
    salesperson = SalespersonFactory(user=user, code="SAM")
    contact = CompanyFactory(name="Acme Lyon", salesperson=salesperson)
    template = InteractionTemplateFactory(
        code="VISIT", description="Customer visit", unit_cost=Decimal("40"), unit_duration_min=90
    )
    page = login(user)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    # when
    page.goto(f"{live_server.url}/interactions/create/?contact={contact.pk}")
    assert page.locator("html").get_attribute("lang") == language
    assert TEXTS[language]["contact"] in page.locator("#wizard").inner_text()
    with page.expect_response(lambda r: "/interactions/create/" in r.url and r.ok):
        page.select_option("#id_template", str(template.pk))  # htmx reloads the defaults
    page.wait_for_load_state("networkidle")
    assert page.locator("#id_cost").input_value() in ("40.00", "40,00", "40")
    page.fill("#id_description", "Visit at the Lyon office")
    page.locator("#wizard details summary").first.click()
    page.fill("#id_date", ON.isoformat())
    page.fill("#id_time", "14:30")
    page.select_option("#id_salesperson", str(salesperson.pk))
    page.fill("#id_cost", "55")
    with page.expect_navigation():
        page.locator("button[name=action][value=finish]").click()
    # then
    entry = InteractionLogEntry.objects.get()
    alert = page.locator(".alert").first.inner_text()
    assert TEXTS[language]["logged"].format(entry.entry_no) in alert
    page.screenshot(path=f".data/screenshot-interaction-wizard-{language}.png", full_page=True)
    assert (entry.contact_id, entry.template_id, entry.salesperson_id) == (
        contact.pk,
        template.pk,
        salesperson.pk,
    )
    assert entry.description == "Visit at the Lyon office"
    assert entry.date == ON and entry.time == dt.time(14, 30)
    assert entry.cost == Decimal("55") and entry.duration_min == Decimal("90")
    assert entry.group_id == template.group_id and not entry.is_postponed
