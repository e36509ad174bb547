"""Tests that kill mutants mutmut left alive in ``opportunities/services.py``
(docs/mutation-testing.md): ``customer_link_ensure`` (CON-48 / OPP-63), whose set-up errors,
template and plain-row clean-up no test pinned."""

import pytest
from django.core.exceptions import ValidationError

from contacts.models import ContactBusinessRelation
from opportunities import services
from setup.models import ContactType, CustomerTemplate, LinkType, MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import number_series_setup
from tests.factories.setup import BusinessRelationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    return number_series_setup()


def test_customer_link_without_customer_relation_names_the_setup_field(setup):
    MarketingSetup.objects.update(customer_relation=None)
    with pytest.raises(ValidationError) as raised:
        services.customer_link_ensure(company=CompanyFactory())
    assert raised.value.code == "setup_missing"
    assert raised.value.messages == ["Set business relation for customers in Marketing setup."]
    assert not ContactBusinessRelation.objects.exists()


def test_customer_link_without_customer_series_names_the_setup_field(setup):
    MarketingSetup.objects.update(customer_series=None)
    with pytest.raises(ValidationError) as raised:
        services.customer_link_ensure(company=CompanyFactory())
    assert raised.value.code == "setup_missing"
    assert raised.value.messages == ["Set customer nos. in Marketing setup."]
    assert not ContactBusinessRelation.objects.exists()


def test_customer_link_replaces_only_this_companys_plain_row(setup):
    """CON-45: the company's plain row of the customer relation goes; another company's
    plain row stays; the new link is the customer link with the series' first number."""
    company, other = CompanyFactory(), CompanyFactory()
    for contact in (company, other):
        ContactBusinessRelation.objects.create(
            contact=contact, business_relation=setup.customer_relation, link_type=LinkType.NONE
        )
    press = ContactBusinessRelation.objects.create(
        contact=company, business_relation=BusinessRelationFactory(code="PRESS")
    )
    link = services.customer_link_ensure(company=company)
    assert (link.contact, link.business_relation, link.link_type) == (
        company,
        setup.customer_relation,
        LinkType.CUSTOMER,
    )
    assert link.external_number == "C00001"
    assert set(ContactBusinessRelation.objects.filter(contact=company)) == {link, press}
    assert ContactBusinessRelation.objects.filter(contact=other, link_type=LinkType.NONE).exists()


def test_customer_link_is_created_once(setup):
    company = CompanyFactory()
    first = services.customer_link_ensure(company=company)
    again = services.customer_link_ensure(company=company)
    assert again == first
    assert ContactBusinessRelation.objects.filter(contact=company).count() == 1


def test_customer_link_from_a_template_keeps_the_template(setup):
    """CON-47 through OPP: with a template the link is that template's "Create as customer"
    (two templates match, so none would be picked by default)."""
    template, _other = (
        CustomerTemplate.objects.create(
            code=code, link_type="customer", contact_type=ContactType.COMPANY
        )
        for code in ("CT", "CT2")
    )
    link = services.customer_link_ensure(company=CompanyFactory(), template=template)
    assert link.template == template
    assert link.link_type == LinkType.CUSTOMER
