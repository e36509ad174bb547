"""CSV import at scale: the file is parsed once per process, not once per batch."""

import pytest

from contacts.imports import contact_import_csv_batch, contact_import_csv_start, files
from contacts.models import Contact
from tests.contacts.test_import import MAPPING, _store
from tests.contacts.test_import import numbered as numbered


@pytest.mark.django_db
def test_batches_parse_the_file_once(numbered, monkeypatch):
    # given a stored file of five rows, imported one row per batch
    rows = "".join(f"Firm {i};Paris;f{i}@firm.test;E{i}\n" for i in range(5))
    path = _store("name;city;email;external_id\n" + rows)
    calls = []
    real_parse = files._parse
    monkeypatch.setattr(
        files, "_parse", lambda text, *rest: calls.append(1) or real_parse(text, *rest)
    )
    files._parsed_file.clear()
    # when
    job = contact_import_csv_start(path=path, mapping=MAPPING, skip_rejected=False, enqueue=False)
    while contact_import_csv_batch(job_id=job.pk, batch_size=1):
        pass
    # then one parse for the preview, the start and five batches; every row imported
    assert len(calls) == 1
    assert Contact.objects.filter(name__startswith="Firm ").count() == 5


@pytest.mark.django_db
def test_changed_file_is_parsed_again(numbered):
    # given a file read once
    path = _store("name;city\nAcme;Paris\n")
    assert files.import_file_read(path=path)[1] == [["Acme", "Paris"]]
    # when the same path holds other content
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.delete(path)
    default_storage.save(path, ContentFile(b"name;city\nBeta;Lyon\n"))
    # then
    assert files.import_file_read(path=path)[1] == [["Beta", "Lyon"]]


@pytest.mark.django_db
def test_imported_companies_point_to_themselves_without_an_update(numbered):
    """CON-4: companies get their id from the sequence and are inserted self-linked."""
    # given
    text = "type;name;city\ncompany;Acme;Paris\nperson;Jane Doe;Paris\ncompany;Beta;Lyon\n"
    path = _store(text)
    mapping = {"type": "type", "name": "name", "city": "city"}
    job = contact_import_csv_start(path=path, mapping=mapping, skip_rejected=False, enqueue=False)
    # when
    contact_import_csv_batch(job_id=job.pk)
    # then
    companies = Contact.objects.filter(name__in=["Acme", "Beta"])
    assert sorted(c.company_id == c.pk for c in companies) == [True, True]
    assert Contact.objects.get(name="Jane Doe").company_id is None
