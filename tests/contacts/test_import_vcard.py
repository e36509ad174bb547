"""Contact import of vCard files (3.0 and 4.0) and of CSV files without a type column;
vCard 4.0 export written with vobject."""

from pathlib import Path

import pytest
import vobject
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.exports import contact_vcard
from contacts.imports import (
    VCARD_COLUMNS,
    contact_import_csv_batch,
    contact_import_csv_start,
    contact_import_preview,
    import_file_read,
    import_file_store,
)
from contacts.models import Contact
from setup.models import ContactType, Country, MarketingSetup
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
VCARD_MAPPING = {c: c for c in VCARD_COLUMNS}  # the columns the vCard parser writes


@pytest.fixture
def numbered(db):
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))
    Country.objects.create(code="FR", name="France")


def _store(name, content: bytes):
    return import_file_store(uploaded_file=SimpleUploadedFile(name, content))


def _import(path, mapping, **kwargs):
    job = contact_import_csv_start(path=path, mapping=mapping, skip_rejected=False, **kwargs)
    while contact_import_csv_batch(job_id=job.pk):
        pass
    job.refresh_from_db()
    return job


def test_vcard_3_file_is_read_as_import_fields(numbered):
    """Folded lines, several TEL/EMAIL/ADR with TYPE parameters, accents, N/FN/ORG/ADR."""
    path = _store("carnet.vcf", (DATA / "addressbook-3.0.vcf").read_bytes())
    header, rows = import_file_read(path=path)
    person, company = (dict(zip(header, row, strict=True)) for row in rows)
    assert person == {
        "type": "person",
        "name": "Zoé Anne Lefèvre",
        "company_name": "Société Générale d'Électricité",
        "job_title": "Directrice commerciale",
        "address": "12 rue de l'Église",
        "address_2": "3e étage",
        "post_code": "75002",
        "city": "Paris",
        "county": "Île-de-France",
        "country": "FR",
        "phone": "+33 1 23 45 67 89",
        "mobile_phone": "06 11 22 33 44",
        "fax": "+33 1 23 45 67 00",
        "email": "zoe.lefevre@sge.test",
        "email_2": "zoe@maison.test",
        "home_page": "https://sge.test",
    }
    assert (company["type"], company["name"]) == ("company", "Société Générale d'Électricité")


def test_vcard_3_import_creates_the_company_once_and_links_the_person(numbered):
    # given an address book with a person and her company (ORG), in that order
    path = _store("carnet.vcf", (DATA / "addressbook-3.0.vcf").read_bytes())
    # when it is previewed and imported
    preview = contact_import_preview(path=path, mapping=VCARD_MAPPING)
    assert (preview.total, preview.to_create, len(preview.rejected)) == (2, 2, 0)
    job = _import(path, VCARD_MAPPING)
    # then one company exists and the person belongs to it, with her vCard values
    assert job.result["created"] == 2
    company = Contact.objects.get(type=ContactType.COMPANY)
    person = Contact.objects.get(type=ContactType.PERSON)
    assert company.name == "Société Générale d'Électricité"
    assert company.company_id == company.pk
    assert (person.company_id, person.company_name) == (company.pk, company.name)
    assert (person.first_name, person.middle_name, person.surname) == ("Zoé", "Anne", "Lefèvre")
    assert (person.mobile_phone, person.fax, person.email_2) == (
        "06 11 22 33 44",
        "+33 1 23 45 67 00",
        "zoe@maison.test",
    )
    assert (person.address, person.address_2, person.city) == (
        "12 rue de l'Église",
        "3e étage",
        "Paris",
    )


def test_vcard_4_org_links_an_existing_company(numbered):
    # given the company of the 4.0 file exists already
    existing = CompanyFactory(
        name="Ångström Études SARL", search_name="ÅNGSTRÖM ÉTUDES SARL", post_code="69002"
    )
    path = _store("export.vcf", (DATA / "addressbook-4.0.vcf").read_bytes())
    # when the file is imported
    preview = contact_import_preview(path=path, mapping=VCARD_MAPPING)
    job = _import(path, VCARD_MAPPING)
    # then the company card is matched (skipped) and the person is linked to it
    assert (preview.to_create, preview.matched) == (1, 1)
    assert (job.result["created"], job.result["skipped"]) == (1, 1)
    person = Contact.objects.get(name="Björn Müller")
    assert person.company_id == existing.pk
    assert (person.phone, person.mobile_phone) == ("+33-4-00-00-00-01", "+33-6-98-76-54-32")
    assert (person.email, person.email_2, person.job_title) == (
        "bjorn@angstrom.test",
        "bjorn@privat.test",
        "Ingénieur",
    )
    assert Contact.objects.filter(type=ContactType.COMPANY).count() == 1


def test_vcard_org_matching_several_companies_is_rejected(numbered):
    CompanyFactory(name="Ångström Études SARL", search_name="ÅNGSTRÖM ÉTUDES SARL")
    CompanyFactory(name="Ångström Études SARL", search_name="ÅNGSTRÖM ÉTUDES SARL")
    path = _store("export.vcf", (DATA / "addressbook-4.0.vcf").read_bytes())
    preview = contact_import_preview(path=path, mapping=VCARD_MAPPING)
    assert "Ambiguous company name" in preview.rejected[0].errors[0]


def test_a_file_that_is_not_a_vcard_is_refused(numbered):
    with pytest.raises(ValidationError, match="no vCard"):
        _store("carnet.vcf", b"name;city\nAcme;Paris\n")


def test_default_type_applies_to_a_csv_without_type_column(numbered):
    """A CSV without a type column imports every row with the chosen default type."""
    # given a CSV of persons, no type column, one with a company by name
    CompanyFactory(name="Acme", search_name="ACME")
    path = _store("people.csv", b"name;company\nJane Doe;Acme\nJohn Paul Smith;\n")
    mapping = {"name": "name", "company": "company_name"}
    # when imported with "person" as default type
    job = _import(path, mapping, default_type=ContactType.PERSON)
    # then both are persons, split into name parts, Jane linked to Acme
    assert job.result["created"] == 2
    jane, john = Contact.objects.filter(type=ContactType.PERSON).order_by("name")
    assert (jane.name, jane.company.name, jane.surname) == ("Jane Doe", "Acme", "Doe")
    assert (john.first_name, john.middle_name, john.surname) == ("John", "Paul", "Smith")
    assert john.company_id is None


def test_without_default_type_rows_are_companies(numbered):
    path = _store("firms.csv", b"name\nAcme\n")
    _import(path, {"name": "name"})
    assert Contact.objects.get().type == ContactType.COMPANY


def test_mapping_page_offers_the_default_type(
    numbered, client, sales_user, django_capture_on_commit_callbacks
):
    """The default type is chosen on the mapping page and reaches the import job."""
    client.force_login(sales_user)
    upload = SimpleUploadedFile("people.csv", b"name\nJane Doe\n", "text/csv")
    client.post(reverse("contacts:contact-import"), {"file": upload})
    response = client.get(reverse("contacts:contact-import-mapping"))
    assert "default_type" in response.context["form"].fields
    client.post(
        reverse("contacts:contact-import-mapping"), {"col_0": "name", "default_type": "person"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("contacts:contact-import-confirm"), {})
    assert Contact.objects.get(name="Jane Doe").type == ContactType.PERSON


def test_vcard_export_is_version_4_folded_and_reads_back(numbered):
    """The vCard export is 4.0 written by vobject: long lines folded at 75 octets; parsing
    the output gives the contact's values back."""
    # given a person with accents, a long company name and two lines of address
    company = CompanyFactory(name="Société Générale d'Électricité et de Mécanique, Paris; Lyon")
    person = PersonFactory(
        company=company,
        company_name=company.name,
        name="Zoé Anne Lefèvre",
        first_name="Zoé",
        middle_name="Anne",
        surname="Lefèvre",
        job_title="Directrice",
        address="12 rue de l'Église",
        address_2="3e étage",
        city="Paris",
        post_code="75002",
        country=Country.objects.get(code="FR"),
        phone="+33 1 23 45 67 89",
        mobile_phone="06 11 22 33 44",
        email="zoe@sge.test",
        email_2="zoe@maison.test",
    )
    # when it is exported
    text = contact_vcard(person)
    # then it is a folded 4.0 card that reads back with the same values
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    card = vobject.readOne(text)
    assert card.version.value == "4.0"
    assert card.kind.value == "individual"
    assert card.fn.value == "Zoé Anne Lefèvre"
    assert (card.n.value.given, card.n.value.additional, card.n.value.family) == (
        "Zoé",
        "Anne",
        "Lefèvre",
    )
    assert card.org.value == [company.name]
    assert card.adr.value.street == "12 rue de l'Église\n3e étage"
    assert (card.adr.value.city, card.adr.value.code, card.adr.value.country) == (
        "Paris",
        "75002",
        "France",
    )
    assert sorted((t.value, tuple(t.params["TYPE"])) for t in card.tel_list) == [
        ("+33 1 23 45 67 89", ("work", "voice")),
        ("06 11 22 33 44", ("cell",)),
    ]
    assert [e.value for e in card.email_list] == ["zoe@sge.test", "zoe@maison.test"]


def test_exported_vcard_imports_back(numbered, client, sales_user):
    """Round trip: the list export imported again through the vCard path gives the same
    person of the same company."""
    company = CompanyFactory(name="Acme Été", search_name="ACME ÉTÉ")
    PersonFactory(company=company, company_name=company.name, name="Ann Lee", phone="555 1")
    client.force_login(sales_user)
    response = client.get(reverse("contacts:contact-export-vcf"))
    exported = b"".join(response.streaming_content)
    Contact.objects.filter(type=ContactType.PERSON).delete()
    _import(_store("contacts.vcf", exported), VCARD_MAPPING)
    person = Contact.objects.get(name="Ann Lee")
    assert (person.company_id, person.phone) == (company.pk, "555 1")


def test_vcard_upload_through_the_pages(numbered, client, sales_user):
    """The upload page takes a .vcf file (the upload guard lets it through) and the mapping
    page names the vCard's columns by their field labels, pre-mapped."""
    client.force_login(sales_user)
    upload = SimpleUploadedFile("carnet.vcf", (DATA / "addressbook-4.0.vcf").read_bytes())
    response = client.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code == 302
    form = client.get(reverse("contacts:contact-import-mapping")).context["form"]
    assert form.fields["col_1"].label == "Name"
    assert form["col_1"].value() == "name"
