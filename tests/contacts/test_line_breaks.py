"""Line breaks entering single-line contact fields (import, API, forms) are normalised, and a
save of the edit form that changes nothing never changes data."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from api.services import api_client_create
from contacts.forms import CommentAddForm, ContactForm
from contacts.imports import contact_import_csv_batch, contact_import_csv_start, import_file_store
from contacts.models import Contact, ContactBusinessRelation
from crm.linebreaks import as_browser_posts, multi_line, single_line
from crm.models import FieldChange
from setup.models import MarketingSetup
from tests.contacts.helpers_links import company, link_setup
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered(db):
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))


def _api(*scopes):
    _client, token = api_client_create(name="bs-line-breaks", scopes=list(scopes))
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return http


def test_single_and_multi_line_normalisation():
    assert single_line("Acme\r\nGroup") == "Acme Group"
    assert single_line("1 rue  \r\n\r\n  Bât B\rfin\nx") == "1 rue Bât B fin x"
    assert single_line("a\u2028b") == "a b"
    assert multi_line("one\r\ntwo\rthree\nfour") == "one\ntwo\nthree\nfour"
    assert as_browser_posts("Acme\r\nGroup") == "AcmeGroup"
    assert single_line(None) is None


def test_api_record_with_line_breaks_is_stored_on_one_line(numbered):
    """A contact created by the API (CON-59) with CR LF in single-line fields."""
    link_setup("customer")
    response = _api("links").post(
        "/api/v1/business-links",
        {
            "link_type": "customer",
            "external_number": "C9001",
            "create_contact": True,
            "record": {
                "name": "Acme\r\nGroup",
                "address": "12 rue de la Paix\r\nBât. B",
                "contact_person": "Jane\r\nDoe",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    contact = ContactBusinessRelation.objects.get(external_number="C9001").contact
    assert (contact.name, contact.search_name, contact.address) == (
        "Acme Group",
        "ACME GROUP",
        "12 rue de la Paix Bât. B",
    )
    assert Contact.objects.get(company=contact, type="person").name == "Jane Doe"


def test_api_patch_with_line_breaks_is_stored_on_one_line(numbered):
    setup = link_setup("customer")
    acme = company("Acme")
    ContactBusinessRelation.objects.create(
        contact=acme,
        business_relation_id=setup.customer_relation_id,
        link_type="customer",
        external_number="C0001",
        pickup_status="acknowledged",
    )
    response = _api("write_contacts").patch(
        "/api/v1/linked-records/customer/C0001",
        {"city": "Saint-Denis\r\nCedex"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    acme.refresh_from_db()
    assert acme.city == "Saint-Denis Cedex"


def test_import_cell_with_line_breaks_is_stored_on_one_line(numbered):
    path = import_file_store(
        uploaded_file=SimpleUploadedFile(
            "c.csv", b'name;address\n"Acme\r\nGroup";"1 rue\r\nBat B"\n', "text/csv"
        )
    )
    job = contact_import_csv_start(
        path=path, mapping={"name": "name", "address": "address"}, skip_rejected=False
    )
    while contact_import_csv_batch(job_id=job.pk):
        pass
    contact = Contact.objects.get()
    assert (contact.name, contact.address) == ("Acme Group", "1 rue Bat B")


def _browser_post_data(form) -> dict:
    """What a browser posts for the rendered edit form (text inputs lose CR/LF)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or value is False:
            continue
        if value is True:
            data[name] = "on"
        elif field.widget.input_type == "text" if hasattr(field.widget, "input_type") else False:
            data[name] = as_browser_posts(str(value))
        else:
            data[name] = str(value) if not hasattr(value, "pk") else value.pk
    return data


def test_unchanged_edit_form_keeps_a_stored_value_with_line_breaks(numbered, client, sales_user):
    """A contact whose name holds CR LF (stored before normalisation): saving its edit form
    unchanged changes nothing in the database and records no field history."""
    # given a contact stored with line breaks in single-line fields
    acme = company("Acme\r\nGroup", address="1 rue\r\nBat B")
    before = Contact.objects.filter(pk=acme.pk).values().get()
    client.force_login(sales_user)
    url = reverse("contacts:contact-update", args=[acme.pk])
    form = client.get(url).context["form"]
    # when the form is posted back as a browser does
    response = client.post(url, _browser_post_data(form))
    # then nothing changed
    assert response.status_code == 302
    assert Contact.objects.filter(pk=acme.pk).values().get() == before
    assert not FieldChange.objects.filter(object_id=acme.pk).exists()


def test_contact_form_collapses_line_breaks_of_new_values(numbered):
    form = ContactForm(data={"type": "company", "name": "New\r\nCo"}, creating=True)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "New Co"


def test_comment_form_is_single_line(numbered):
    form = CommentAddForm(data={"comment": "line one\r\nline two"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["comment"] == "line one line two"
