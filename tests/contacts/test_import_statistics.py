"""After a large import commits, the planner statistics of the tables it wrote are fresh."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from contacts.imports import (
    contact_import_csv_batch,
    contact_import_csv_start,
    contact_import_statistics_refresh,
    import_file_store,
)
from contacts.models import Contact
from crm.sql import table
from setup.models import MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def numbered(db):
    setup = MarketingSetup.load()
    setup.contact_series = series_with_line("CONT", "IMP00001")
    setup.save()
    return setup


def _planner_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Contact._meta.db_table]
        )
        return cursor.fetchone()[0]


def _analyze_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table(Contact)}")


def test_a_large_import_analyzes_the_contacts_once_committed(
    numbered, django_capture_on_commit_callbacks
):
    # given statistics taken on 5 contacts
    CompanyFactory.create_batch(5)
    _analyze_now()
    assert _planner_rows() == 5
    text = "name;city\n" + "".join(f"Firm {i};Paris\n" for i in range(30))
    path = import_file_store(uploaded_file=SimpleUploadedFile("c.csv", text.encode(), "text/csv"))
    # when an import of 30 rows (600 % of the known rows) commits
    with django_capture_on_commit_callbacks(execute=True):
        job = contact_import_csv_start(
            path=path, mapping={"name": "name", "city": "city"}, skip_rejected=True, enqueue=False
        )
        while contact_import_csv_batch(job_id=job.pk):
            pass
    # then the planner knows the new rows
    assert Contact.objects.count() == 35
    assert _planner_rows() == 35


def test_a_small_import_leaves_the_statistics_alone(numbered):
    # given statistics taken on 40 contacts
    CompanyFactory.create_batch(40)
    _analyze_now()
    # then 4 new rows (10 %) do not call for ANALYZE, 5 (12.5 %) do
    assert contact_import_statistics_refresh(created=4) is False
    assert contact_import_statistics_refresh(created=5) is True
