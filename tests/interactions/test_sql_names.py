"""Bulk logging's raw SQL takes its identifiers from the models (``crm.sql``): with columns
renamed in the database and in ``_meta`` it still logs the same entries."""

import pytest

from contacts.models import Contact
from crm.services import bulk_job_create
from interactions import services
from interactions.models import InteractionLogEntry
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionTemplateFactory

pytestmark = pytest.mark.django_db


def test_bulk_log_follows_renamed_columns(user, rename_column):
    # given: a company, its person, and a person of a privacy-blocked company
    template = InteractionTemplateFactory()
    company = CompanyFactory()
    person = PersonFactory(company=company)
    blocked_company = CompanyFactory(is_privacy_blocked=True)
    skipped = PersonFactory(company=blocked_company)
    rename_column(Contact, "company", "employer_ref")
    rename_column(Contact, "is_privacy_blocked", "privacy_blocked_flag")
    rename_column(InteractionLogEntry, "contact", "contact_ref")
    rename_column(InteractionLogEntry, "contact_company", "contact_company_ref")
    job = bulk_job_create(
        kind="interactions_bulk_log",
        params={
            "template_id": template.pk,
            "description": "Mailing",
            "date": "2026-01-05",
            "contact_ids": [company.pk, person.pk, skipped.pk],
            "user_id": user.pk,
        },
    )
    # when
    more = services.interactions_bulk_log(job_id=job.pk, batch_size=2)
    # then
    assert more is False
    entries = InteractionLogEntry.objects.filter(bulk_job_id=job.pk)
    assert set(entries.values_list("contact_id", "contact_company_id")) == {
        (company.pk, company.pk),
        (person.pk, company.pk),
    }
