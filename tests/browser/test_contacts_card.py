"""Journey: create a company, then add a person from its card (English and French)."""

import datetime as dt

import pytest

from contacts.models import CommentLine, Contact, ContactAltAddress, ContactAltAddressDateRange
from setup.models import ContactType, MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.setup import series_with_line

LABELS = {
    "en": {"save": "Save", "add_person": "Add person"},
    "fr": {"save": "Enregistrer", "add_person": "Ajouter une personne"},
}


def _as(page, live_server, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_company_card_add_person(live_server, login, make_user, language):
    """From a company's card, "Add person" opens the new-contact form with the company
    pre-filled (type person); the saved person is linked to the company."""
    # given a user of the Sales role and a contact number series
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))
    page = login(make_user("rep", groups=["Sales"]))
    _as(page, live_server, language)
    labels = LABELS[language]
    # when the user creates a company
    page.goto(f"{live_server.url}/contacts/new/")
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#id_name", "Zoé Industries")
    with page.expect_navigation():
        page.get_by_role("button", name=labels["save"]).click()
    company = Contact.objects.get(name="Zoé Industries")
    assert company.type == ContactType.COMPANY
    # and, from its card, adds a person
    with page.expect_navigation():
        page.get_by_role("link", name=labels["add_person"]).click()
    assert page.locator("#id_type").input_value() == ContactType.PERSON
    assert page.locator("#id_company_text").input_value() == "Zoé Industries"
    page.fill("#id_name", "Jeanne Élise Martin")
    with page.expect_navigation():
        page.get_by_role("button", name=labels["save"]).click()
    page.screenshot(path=f".data/screenshot-contacts-add-person-{language}.png", full_page=True)
    # then the person is linked to the company, and listed on the company's card
    person = Contact.objects.get(name="Jeanne Élise Martin")
    assert person.type == ContactType.PERSON
    assert person.company_id == company.pk
    assert person.company_name == "Zoé Industries"
    assert (person.first_name, person.middle_name, person.surname) == ("Jeanne", "Élise", "Martin")
    page.goto(f"{live_server.url}{company.get_absolute_url()}")
    assert page.locator("#persons").get_by_text("Jeanne Élise Martin").is_visible()
    assert page.locator("#persons-count").inner_text() == "1"


DATE_LABELS = {
    "en": {"add": "Add", "shown": "03/15/2026", "range": "04/01/2026"},
    "fr": {"add": "Ajouter", "shown": "15/03/2026", "range": "01/04/2026"},
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_card_comment_and_date_range_with_dates(live_server, login, make_user, language):
    """On a company card, a comment and an alternate-address date range are added with the
    date pickers; the dates reach the database as typed and show in the user's language."""
    # given a company with an alternate address
    company = CompanyFactory(name="Dates SA")
    address = ContactAltAddress.objects.create(contact=company, code="SIEGE", city="Lyon")
    page = login(make_user("rep", groups=["Sales"]))
    _as(page, live_server, language)
    labels = DATE_LABELS[language]
    page.goto(f"{live_server.url}{company.get_absolute_url()}")
    page.locator("[data-bs-target='#tab-segmentation']").click()
    # when a dated comment is added
    comments = page.locator("#section-comments")
    comments.locator("input[name='comments-date']").fill("2026-03-15")
    comments.locator("input[name='comments-comment']").fill("Rendez-vous pris")
    comments.get_by_role("button", name=labels["add"]).click()
    page.locator("#section-comments").get_by_text("Rendez-vous pris").wait_for()
    # and a date range for the alternate address
    ranges = page.locator("#section-date-ranges")
    ranges.locator("select[name='date-ranges-alt_address']").select_option(str(address.pk))
    ranges.locator("input[name='date-ranges-starting_date']").fill("2026-04-01")
    ranges.locator("input[name='date-ranges-ending_date']").fill("2026-12-31")
    ranges.get_by_role("button", name=labels["add"]).click()
    page.locator("#section-date-ranges").get_by_text(labels["range"], exact=False).wait_for()
    page.screenshot(path=f".data/screenshot-contacts-card-dates-{language}.png", full_page=True)
    # then the rows hold the dates typed
    line = CommentLine.objects.get(target_id=company.pk)
    assert (line.date, line.comment) == (dt.date(2026, 3, 15), "Rendez-vous pris")
    assert page.locator("#section-comments").get_by_text(labels["shown"]).count() == 1
    date_range = ContactAltAddressDateRange.objects.get(contact=company)
    assert (date_range.starting_date, date_range.ending_date) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 12, 31),
    )
