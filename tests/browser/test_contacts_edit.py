"""Journey: a contact created through the API with line breaks in its name is opened in the
edit form and saved unchanged; nothing changes in the database (English and French)."""

import pytest
from rest_framework.test import APIClient

from api.services import api_client_create
from contacts.models import Contact, ContactBusinessRelation
from crm.models import FieldChange
from setup.models import MarketingSetup
from tests.contacts.helpers_links import link_setup
from tests.factories.setup import series_with_line

SAVE = {"en": "Save", "fr": "Enregistrer"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_unchanged_save_of_an_api_contact_changes_nothing(live_server, login, make_user, language):
    # given a contact created by the business system with CR LF in single-line fields
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))
    link_setup("customer")
    _client, token = api_client_create(name="bs", scopes=["links"])
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = http.post(
        "/api/v1/business-links",
        {
            "link_type": "customer",
            "external_number": "C9001",
            "create_contact": True,
            "record": {"name": "Acme\r\nGroup", "address": "12 rue de la Paix\r\nBât. B"},
        },
        format="json",
    )
    assert response.status_code == 201
    contact = ContactBusinessRelation.objects.get(external_number="C9001").contact
    before = Contact.objects.filter(pk=contact.pk).values().get()
    # when a user opens its edit form and saves it without changing anything
    page = login(make_user("rep", groups=["Sales"]))
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/contacts/{contact.pk}/update/")
    assert page.locator("html").get_attribute("lang") == language
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE[language]).click()
    # then the card shows, and the row and its field history are unchanged
    assert page.url.endswith(contact.get_absolute_url())
    assert Contact.objects.filter(pk=contact.pk).values().get() == before
    assert before["name"] == "Acme Group"
    assert not FieldChange.objects.filter(object_id=contact.pk).exists()
