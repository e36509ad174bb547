import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from contacts.filters import ContactFilterSet
from contacts.models import Contact
from contacts.selectors import contact_list, contact_search
from tests.factories.contacts import (
    CompanyFactory,
    ContactBusinessRelationFactory,
    ContactIndustryGroupFactory,
    ContactMailingGroupFactory,
    PersonFactory,
)
from tests.factories.setup import CountryFactory, SalespersonFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def _filter(**params):
    return set(ContactFilterSet(params, queryset=Contact.objects.all()).qs)


def test_search_box_matches_fragments_of_five_columns():
    by_name = CompanyFactory(name="Zebra Works")
    by_city = CompanyFactory(city="Zebrugge")
    by_phone = CompanyFactory(phone="+32 555 0199")
    by_email = CompanyFactory(email="info@quagga.test")
    CompanyFactory(name="Other", city="Paris")
    assert _filter(q="zebr") == {by_name, by_city}
    assert _filter(q="555 01") == {by_phone}
    assert _filter(q="QUAGGA") == {by_email}


def test_search_uses_the_trigram_index():
    """The fragment search is served by the search document's GIN trigram index (EXPLAIN,
    seqscan off)."""
    CompanyFactory.create_batch(5)
    sql, params = contact_search(contact_list(user=None), "acme").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts_contact")
        # A tiny test table makes any plan cheap: rule out the full scans to see what the
        # planner *can* use for the WHERE clause.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_search_doc_trgm_idx" in plan


def test_type_filter():
    company = CompanyFactory()
    person = PersonFactory(company=company)
    assert _filter(type="person") == {person}


def test_company_filter_by_number_or_name():
    company = CompanyFactory(name="Acme")
    person = PersonFactory(company=company, company_name="Acme")
    assert _filter(company=company.number) == {company, person}
    assert _filter(company="acm") == {company, person}


def test_salesperson_territory_country_filters():
    sp, terr, country = SalespersonFactory(), TerritoryFactory(), CountryFactory()
    match = CompanyFactory(salesperson=sp, territory=terr, country=country)
    CompanyFactory()
    assert _filter(salesperson=sp.pk) == {match}
    assert _filter(territory=terr.pk) == {match}
    assert _filter(country=country.pk) == {match}


def test_city_and_post_code_filters():
    match = CompanyFactory(city="Lyon", post_code="69001")
    CompanyFactory(city="Paris", post_code="75001")
    assert _filter(city="ly") == {match}
    assert _filter(post_code="69") == {match}


def test_industry_group_filter_includes_company_persons():
    row = ContactIndustryGroupFactory()
    person = PersonFactory(company=row.contact)
    CompanyFactory()
    assert _filter(industry_group=row.industry_group_id) == {row.contact, person}


def test_mailing_group_filter():
    row = ContactMailingGroupFactory()
    CompanyFactory()
    assert _filter(mailing_group=row.mailing_group_id) == {row.contact}


def test_business_relation_filter():
    row = ContactBusinessRelationFactory()
    CompanyFactory()
    assert _filter(business_relation=row.business_relation_id) == {row.contact}


def test_privacy_blocked_filter():
    blocked = CompanyFactory(is_privacy_blocked=True)
    CompanyFactory()
    assert _filter(is_privacy_blocked="true") == {blocked}


def test_modified_since_filter():
    old = CompanyFactory()
    Contact.objects.filter(pk=old.pk).update(
        last_modified_at=timezone.now() - dt.timedelta(days=30)
    )
    recent = CompanyFactory()
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert _filter(modified_since=since) == {recent}


def test_sorting_is_stable_and_reversible():
    a = CompanyFactory(name="Alpha", search_name="ALPHA", city="Zurich")
    b = CompanyFactory(name="Beta", search_name="BETA", city="Amsterdam")
    assert list(ContactFilterSet({"o": "city"}, queryset=Contact.objects.all()).qs) == [b, a]
    assert list(ContactFilterSet({"o": "-name"}, queryset=Contact.objects.all()).qs) == [b, a]
