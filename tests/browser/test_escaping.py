"""User text is escaped everywhere: a contact named with markup stays text on every page."""

import pytest

from contacts import services
from setup.models import MarketingSetup
from tests.factories.setup import series_with_line

NAME = "<script>window.__xss=1</script><img src=x onerror=window.__xss=2>"


def _not_executed(page) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "undefined"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_markup_in_a_contact_name_is_shown_as_text(live_server, login, make_user):
    # given a contact renamed (through the services) to a name full of markup
    series = series_with_line("CONT", "CT000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series)
    user = make_user("sales", groups=["Sales"])
    contact = services.contact_create(user=user, data={"type": "company", "name": "Acme"})
    contact = services.contact_update(contact=contact, user=user, data={"name": NAME})
    page = login(user)

    # the list
    page.goto(f"{live_server.url}/contacts/")
    _not_executed(page)
    assert page.get_by_text(NAME).count() >= 1

    # the card (and its htmx fragments, the change history among them: old → new name)
    page.goto(f"{live_server.url}{contact.get_absolute_url()}")
    _not_executed(page)
    assert page.get_by_text(NAME).count() >= 1
    history = page.locator("#field-history")
    history.wait_for()
    assert NAME in history.inner_text()

    # the search results, full page and through the htmx filter form
    page.goto(f"{live_server.url}/contacts/?q=script")
    _not_executed(page)
    assert page.get_by_text(NAME).count() >= 1
    page.goto(f"{live_server.url}/contacts/")
    with page.expect_response(lambda r: "q=onerror" in r.url, timeout=15000):
        page.fill("#contact-filters input[name=q]", "onerror")
    _not_executed(page)
    assert page.locator("#results").get_by_text(NAME).count() >= 1
    page.screenshot(path=".data/screenshot-escaping.png", full_page=True)
