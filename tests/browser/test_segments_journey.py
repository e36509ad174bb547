"""A segment built, reduced, taken back one step and logged in the browser, in English and
in French, read back from PostgreSQL (SG-2, SG-8, SG-12, SG-19; the log runs as a Celery job,
eager in tests)."""

import pytest

from interactions.models import InteractionLogEntry
from segments.models import LoggedSegment, Segment
from setup.models import MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory, series_with_line

TEXT = {
    "en": {
        "add": "Add contacts",
        "reduce": "Reduce contacts",
        "go_back": "Go back",
        "log": "Log segment",
        "logged": "logged (entry",
        "background": "in the background",
    },
    "fr": {
        "add": "Ajouter des contacts",
        "reduce": "Réduire les contacts",
        "go_back": "Revenir en arrière",
        "log": "Enregistrer le segment",
        "logged": "enregistré",
        "background": "arrière-plan",
    },
}


def _switch(page, language):
    if language != "en":
        with page.expect_navigation():
            page.select_option("#language-select", language)
    assert page.locator("html").get_attribute("lang") == language


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_segment_build_reduce_and_log(live_server, login, make_user, language):
    """Create a segment, add contacts by criteria, reduce, log; lines, logged segment and
    interactions are read back from the database; one flash message per outcome."""
    text = TEXT[language]
    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series_with_line("SEGB", "SB0001"))
    template = InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy")
    salesperson = SalespersonFactory(code="AH")
    arles = [CompanyFactory(city="Arles"), CompanyFactory(city="Arles")]
    CompanyFactory(city="Nîmes")
    CompanyFactory(city="Lyon")
    page = login(make_user("mkt", groups=["Marketing"]))
    _switch(page, language)

    page.goto(f"{live_server.url}/segments/new/")
    page.fill("input[name=description]", f"Mailing {language}")
    page.select_option("select[name=salesperson]", str(salesperson.pk))
    page.select_option("select[name=template]", str(template.pk))
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}/segments/*/")
    segment = Segment.objects.get()
    assert segment.number == "SB0001"

    add = page.locator("#segment-main-actions a", has_text=text["add"])
    add.click()
    page.fill("input[name=contact__city]", "Arles|Nîmes")
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url(f"{live_server.url}{segment.get_absolute_url()}")
    assert segment.lines.count() == 3
    assert page.locator("#lines tbody tr").count() == 3

    def reduce_nimes():
        page.locator("#segment-main-actions a", has_text=text["reduce"]).click()
        assert page.locator("select[name=action]").input_value() == "reduce"
        page.fill("input[name=contact__city]", "Nîmes")
        page.click("form button[type=submit].btn-primary")
        page.wait_for_url(f"{live_server.url}{segment.get_absolute_url()}")

    reduce_nimes()
    assert segment.lines.count() == 2
    page.locator("#segment-main-actions a", has_text=text["go_back"]).click()
    page.click("#segment-action-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}{segment.get_absolute_url()}")
    assert segment.lines.count() == 3  # SG-12: the reduced line is back
    assert segment.criteria_actions.count() == 1
    reduce_nimes()
    assert sorted(segment.lines.values_list("contact_id", flat=True)) == sorted(c.pk for c in arles)
    assert segment.criteria_actions.count() == 2
    page.screenshot(path=f".data/screenshot-segment-card-{language}.png", full_page=True)

    page.locator("#segment-main-actions a", has_text=text["log"]).click()
    page.click("#segment-action-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/segments/logged/")
    logged = LoggedSegment.objects.get()
    assert logged.segment_number == "SB0001"
    assert InteractionLogEntry.objects.filter(logged_segment=logged).count() == 2
    assert not Segment.objects.exists()
    alerts = page.locator("#messages .alert")
    assert alerts.count() == 1, alerts.all_inner_texts()
    assert text["logged"] in alerts.first.inner_text()
    assert text["background"] not in page.content()
    assert page.get_by_text("SB0001").first.is_visible()
