import pytest
import vobject
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.imports import (
    contact_import_csv_batch,
    contact_import_csv_start,
    contact_import_from_business_system_batch,
    contact_import_from_business_system_start,
    contact_import_preview,
    import_file_store,
)
from contacts.models import Contact, ContactBusinessRelation
from crm.exceptions import ApplicationError
from crm.models import BulkJob, BulkJobStatus
from setup.models import MarketingSetup
from tests.contacts.helpers_links import company, link_setup
from tests.factories.setup import series_with_line
from tests.worker import not_eager, real_worker, wait_for

GOOD = "name;city;email;external_id\nAcme;Paris;a@acme.test;X1\nBeta;Lyon;;X2\n"
BAD = GOOD + "Gamma;Nice;not-an-email;X3\n"
MAPPING = {"name": "name", "city": "city", "email": "email", "external_id": "external_id"}


@pytest.fixture
def numbered(db):
    setup = MarketingSetup.load()
    setup.contact_series = series_with_line("CONT", "CT000001")
    setup.save()
    return setup


def _store(text, name="contacts.csv"):
    return import_file_store(uploaded_file=SimpleUploadedFile(name, text.encode(), "text/csv"))


def _run(job):
    while contact_import_csv_batch(job_id=job.pk, batch_size=1):
        pass
    job.refresh_from_db()
    return job


def test_upload_checks_type_and_size(numbered):
    with pytest.raises(Exception, match="csv"):
        _store("x", name="contacts.xlsx")
    path = _store(GOOD)
    assert path.startswith("imports/contacts/")


def test_preview_reports_row_errors_and_matches(numbered):
    company("Beta", external_id="X2")
    preview = contact_import_preview(path=_store(BAD), mapping=MAPPING)
    assert (preview.total, preview.to_create, preview.matched) == (3, 1, 1)
    assert preview.rejected[0].line == 4 and "e-mail" in preview.rejected[0].errors[0]
    assert not Contact.objects.filter(name="Acme").exists()  # dry run writes nothing


def test_invalid_row_imports_nothing_unless_skipped(numbered):
    path = _store(BAD)
    with pytest.raises(ApplicationError, match="nothing was imported"):
        contact_import_csv_start(path=path, mapping=MAPPING, skip_rejected=False, enqueue=False)
    assert not BulkJob.objects.exists() and not Contact.objects.exists()
    job = _run(
        contact_import_csv_start(path=path, mapping=MAPPING, skip_rejected=True, enqueue=False)
    )
    assert job.status == BulkJobStatus.SUCCEEDED
    assert (job.result["created"], job.result["rejected"]) == (2, 1)
    assert sorted(Contact.objects.values_list("number", flat=True)) == ["CT000001", "CT000002"]
    acme = Contact.objects.get(name="Acme")
    assert acme.company_id == acme.pk and acme.search_email == "A@ACME.TEST"


def test_reimporting_the_same_file_creates_no_duplicates(numbered):
    path = _store(GOOD + "Delta;Nantes;;\n")  # Delta matches on name + post code
    _run(contact_import_csv_start(path=path, mapping=MAPPING, skip_rejected=False, enqueue=False))
    job = _run(
        contact_import_csv_start(path=path, mapping=MAPPING, skip_rejected=False, enqueue=False)
    )
    assert (job.result["created"], job.result["skipped"]) == (0, 3)
    assert Contact.objects.count() == 3


def test_numbers_come_in_one_block_from_the_series(numbered, django_assert_max_num_queries):
    text = "name\n" + "".join(f"Company {i}\n" for i in range(50))
    job = contact_import_csv_start(
        path=_store(text), mapping={"name": "name"}, skip_rejected=False, enqueue=False
    )
    with django_assert_max_num_queries(40):  # set-based: does not grow with the row count
        contact_import_csv_batch(job_id=job.pk)
    numbers = sorted(Contact.objects.values_list("number", flat=True))
    assert numbers[0] == "CT000001" and numbers[-1] == "CT000050" and len(set(numbers)) == 50


def test_c47_business_system_import_skips_linked_and_stamps_code(numbered):
    """C-47: import from the business system skips numbers already linked and stamps the
    setup code on the others (CON-58)."""
    setup = link_setup("customer", series=False)
    old = company("Old")
    ContactBusinessRelation.objects.create(
        contact=old,
        business_relation=setup.customer_relation,
        link_type="customer",
        external_number="C1",
    )
    records = [
        {"link_type": "customer", "external_number": "C1", "name": "Old again"},
        {
            "link_type": "customer",
            "external_number": "C2",
            "name": "New Co",
            "contact_person": "Ann Lee",
            "phone": "555",
        },
        {"link_type": "customer", "external_number": "C3", "name": ""},
    ]
    job = contact_import_from_business_system_start(records=records, enqueue=False)
    contact_import_from_business_system_batch(job_id=job.pk)
    job.refresh_from_db()
    assert (job.result["created"], job.result["skipped"], job.result["failed"]) == (1, 1, 1)
    new = Contact.objects.get(name="New Co")
    link = ContactBusinessRelation.objects.get(contact=new)
    assert link.business_relation_id == setup.customer_relation_id
    assert link.pickup_status == "acknowledged"
    person = Contact.objects.get(name="Ann Lee")
    assert person.company_id == new.pk and person.phone == "555" and person.surname == "Lee"
    assert new.salesperson_id is None  # no setup defaults


def test_c47_missing_setup_code_fails_before_writing(numbered):
    """C-47: without the setup relation code the whole job fails before writing (CON-58)."""
    with pytest.raises(ApplicationError, match="Marketing setup"):
        contact_import_from_business_system_start(
            records=[{"link_type": "vendor", "external_number": "V1", "name": "X"}], enqueue=False
        )
    assert not BulkJob.objects.exists()


def test_export_csv_and_vcard(numbered, client, sales_user, django_assert_max_num_queries):
    for i in range(5):
        company(f"Firm {i}", city="Paris", phone="555 1")
    company("Elsewhere", city="Rome")
    client.force_login(sales_user)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("contacts:contact-export-csv") + "?city=Paris")
        body = b"".join(response.streaming_content).decode()
    assert body.count("\n") == 6 and "Elsewhere" not in body
    one = Contact.objects.get(name="Firm 0")
    card = client.get(reverse("contacts:contact-vcard", args=[one.pk])).content.decode()
    parsed = vobject.readOne(card)
    assert (parsed.version.value, parsed.fn.value, parsed.tel.value) == ("4.0", "Firm 0", "555 1")
    assert parsed.tel.params["TYPE"] == ["work", "voice"]
    response = client.get(reverse("contacts:contact-export-vcf"))
    assert b"".join(response.streaming_content).decode().count("BEGIN:VCARD") == 6


def test_import_pages_flow(numbered, client, sales_user):
    client.force_login(sales_user)
    assert client.get(reverse("contacts:contact-import")).status_code == 200
    upload = SimpleUploadedFile("c.csv", BAD.encode(), "text/csv")
    response = client.post(reverse("contacts:contact-import"), {"file": upload})
    assert response.status_code == 302
    response = client.get(reverse("contacts:contact-import-mapping"))
    assert response.status_code == 200
    data = {f"col_{i}": v for i, v in enumerate(["name", "city", "email", "external_id"])}
    response = client.post(reverse("contacts:contact-import-mapping"), data)
    assert response.status_code == 200 and b"rejected" in response.content
    response = client.post(reverse("contacts:contact-import-confirm"), {})
    assert response.status_code == 302 and not Contact.objects.exists()
    client.post(reverse("contacts:contact-import-mapping"), data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("contacts.tasks.contact_import_csv_task.delay_on_commit", lambda *a: None)
        response = client.post(reverse("contacts:contact-import-confirm"), {"skip_rejected": "on"})
    job = BulkJob.objects.get()
    assert response.url == reverse("contacts:contact-import-job", args=[job.pk])
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("contacts:contact-job-progress", args=[job.pk])).status_code == 200


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_import_job_runs_end_to_end_on_a_real_worker(numbered):
    """The CSV import job runs on a real Celery worker and reports its progress."""
    from contacts.tasks import contact_import_csv_task

    path = _store(GOOD)
    job = contact_import_csv_start(path=path, mapping=MAPPING, skip_rejected=False, enqueue=False)
    with real_worker() as worker, not_eager():
        contact_import_csv_task.apply_async(args=[job.pk], queue=worker.queue)
        wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_finished, timeout=60)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 2 and job.done == job.total == 2
    assert Contact.objects.filter(external_id__in=["X1", "X2"]).count() == 2
