"""CON-10: one name split for every way a person's name comes in (service, CSV and vCard
import, business-system API), whatever whitespace separates the parts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from api.services import api_client_create
from contacts import imports, services
from contacts.imports import (
    VCARD_COLUMNS,
    contact_import_csv_batch,
    contact_import_csv_start,
    import_file_store,
)
from contacts.models import Contact
from contacts.names import name_split
from contacts.services import contact_create
from tests.contacts.helpers_links import link_setup

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space (French typography)

CASES = [
    (f"Jane{NBSP}Doe", ("Jane", "", "Doe")),
    (f"John{NBSP}Paul{NNBSP}Smith", ("John", "Paul", "Smith")),
    ("Jane\tDoe", ("Jane", "", "Doe")),
    ("  Jane    Doe  ", ("Jane", "", "Doe")),
    ("Anna Maria de Vries", ("Anna Maria", "de", "Vries")),
    (f"Anna{NBSP}{NBSP}Maria\tde  Vries", ("Anna Maria", "de", "Vries")),
    ("Cher", ("Cher", "", "")),
    (f"{NBSP}Cher\t", ("Cher", "", "")),
    ("", ("", "", "")),
]


def test_services_and_imports_share_one_name_split():
    assert services.name_split is name_split
    assert imports.name_split is name_split


@pytest.mark.parametrize(("name", "parts"), CASES)
def test_name_split_on_any_whitespace(name, parts):
    assert name_split(name) == parts


@pytest.mark.parametrize(("name", "parts"), [c for c in CASES if c[0].strip()])
def test_c6_service_splits_a_person_name_on_any_whitespace(mksetup, name, parts):
    """C-6: the create service splits the name (NBSP, tabs, runs of spaces, middle names)."""
    person = contact_create(user=None, data={"type": "person", "name": name})
    assert (person.first_name, person.middle_name, person.surname) == parts


def _csv_import(text: str) -> None:
    path = import_file_store(
        uploaded_file=SimpleUploadedFile("people.csv", text.encode(), "text/csv")
    )
    job = contact_import_csv_start(
        path=path, mapping={"type": "type", "name": "name"}, skip_rejected=False, enqueue=False
    )
    while contact_import_csv_batch(job_id=job.pk):
        pass


def test_csv_import_splits_names_on_any_whitespace(mksetup):
    names = [n for n, _parts in CASES if n.strip() and "\t" not in n]  # a tab separates cells
    _csv_import("type;name\n" + "".join(f"person;{n}\n" for n in names))
    got = {
        c.name: (c.first_name, c.middle_name, c.surname)
        for c in Contact.objects.filter(type="person")
    }
    assert got == {n.strip(): dict(CASES)[n] for n in names}


def test_vcard_import_splits_a_no_break_space_name(mksetup):
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"FN:Zoé{NBSP}Anne Lefèvre\r\nN:Lefèvre;Zoé;Anne;;\r\n"
        "END:VCARD\r\n"
    )
    path = import_file_store(uploaded_file=SimpleUploadedFile("card.vcf", card.encode()))
    job = contact_import_csv_start(
        path=path, mapping={c: c for c in VCARD_COLUMNS}, skip_rejected=False, enqueue=False
    )
    while contact_import_csv_batch(job_id=job.pk):
        pass
    person = Contact.objects.get(type="person")
    assert (person.first_name, person.middle_name, person.surname) == ("Zoé", "Anne", "Lefèvre")


def test_api_contact_person_is_split_on_a_no_break_space(mksetup):
    link_setup("customer")
    _client, token = api_client_create(name="bs-names", scopes=["links"])
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = http.post(
        "/api/v1/business-links",
        {
            "link_type": "customer",
            "external_number": "C7001",
            "create_contact": True,
            "record": {"name": "Newco", "contact_person": f"Ann{NBSP}Marie{NBSP}Lee"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    person = Contact.objects.get(type="person")
    assert (person.first_name, person.middle_name, person.surname) == ("Ann", "Marie", "Lee")
