"""The demo seed's raw SQL takes its identifiers from the models (``crm.sql``): with contact
and sales-stage columns renamed in the database and in ``_meta`` (``rename_column``:
tests/conftest.py) every area still gets its rows."""

import io

import pytest
from django.core.management import call_command

from contacts.models import Contact, ContactAltAddress, ContactBusinessRelation
from interactions.models import InteractionLogEntry
from opportunities.models import Opportunity, SalesCycleStage, SalesQuote


@pytest.mark.django_db
def test_seed_demo_follows_renamed_contact_columns(rename_column):
    # given
    rename_column(Contact, "company", "employer_ref")
    rename_column(Contact, "is_privacy_blocked", "privacy_blocked_flag")
    rename_column(Contact, "business_relation_summary", "relation_summary")
    rename_column(ContactAltAddress, "contact", "contact_ref")
    rename_column(ContactBusinessRelation, "external_number", "external_no")
    rename_column(SalesCycleStage, "completed_percent", "completed_pct")
    rename_column(SalesCycleStage, "is_quote_required", "quote_required")
    # when
    call_command("seed_demo", contacts=300, stdout=io.StringIO())
    # then
    assert Contact.objects.count() == 300
    assert Contact.objects.filter(company__isnull=False).exists()
    assert ContactBusinessRelation.objects.exclude(external_number="").exists()
    assert InteractionLogEntry.objects.exists()
    assert Opportunity.objects.count() >= 25
    assert SalesQuote.objects.exists()
