"""Journey: import contacts from a CSV file and from a vCard file through the pages
(upload → mapping → dry run → import), in English and in French."""

from pathlib import Path

import pytest

from contacts.models import Contact
from setup.models import ContactType, Country, MarketingSetup
from tests.factories.setup import series_with_line

DATA = Path(__file__).parent.parent / "contacts" / "data"
LABELS = {
    "en": {
        "upload": "Upload",
        "dry_run": "Check the file (dry run)",
        "import": "Import",
        "person": "Person",
        "created": "Created: 2",
    },
    "fr": {
        "upload": "Téléverser",
        "dry_run": "Vérifier le fichier (simulation)",
        "import": "Importer",
        "person": "Personne",
        "created": "Créés : 2",
    },
}


@pytest.fixture
def importer(live_server, login, make_user):
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "CT000001"))
    Country.objects.create(code="FR", name="France")

    def start(language):
        page = login(make_user("rep", groups=["Sales"]))
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto(f"{live_server.url}/contacts/import/")
        assert page.locator("html").get_attribute("lang") == language
        return page

    return start


def _upload(page, labels, path: Path, name: str):
    page.set_input_files(
        "input[type=file]",
        files=[{"name": name, "mimeType": "text/plain", "buffer": path.read_bytes()}],
    )
    with page.expect_navigation():
        page.get_by_role("button", name=labels["upload"]).click()


def _dry_run_and_import(page, labels):
    with page.expect_navigation():
        page.get_by_role("button", name=labels["dry_run"]).click()
    with page.expect_navigation():
        page.get_by_role("button", name=labels["import"], exact=True).click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_import_csv_without_type_column_as_persons(importer, language, tmp_path):
    """A CSV without a type column, imported with "person" chosen as the default type."""
    labels = LABELS[language]
    page = importer(language)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name;email\nJeanne Élise Martin;jeanne@example.test\nBob Lee;\n")
    _upload(page, labels, csv_file, "people.csv")
    page.select_option("#id_default_type", label=labels["person"])
    _dry_run_and_import(page, labels)
    page.screenshot(path=f".data/screenshot-contacts-import-csv-{language}.png", full_page=True)
    assert page.get_by_text(labels["created"]).is_visible()
    jeanne = Contact.objects.get(name="Jeanne Élise Martin")
    assert (jeanne.type, jeanne.surname, jeanne.email) == (
        ContactType.PERSON,
        "Martin",
        "jeanne@example.test",
    )
    assert Contact.objects.get(name="Bob Lee").type == ContactType.PERSON


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_import_vcard_file(importer, language):
    """A vCard 3.0 address book: the person is linked to the company of her ORG."""
    labels = LABELS[language]
    page = importer(language)
    _upload(page, labels, DATA / "addressbook-3.0.vcf", "carnet.vcf")
    _dry_run_and_import(page, labels)
    page.screenshot(path=f".data/screenshot-contacts-import-vcf-{language}.png", full_page=True)
    assert page.get_by_text(labels["created"]).is_visible()
    person = Contact.objects.get(name="Zoé Anne Lefèvre")
    company = Contact.objects.get(type=ContactType.COMPANY)
    assert person.company_id == company.pk
    assert company.name == "Société Générale d'Électricité"
    assert (person.email, person.mobile_phone) == ("zoe.lefevre@sge.test", "06 11 22 33 44")
