"""Optimistic locking: two users open the same edit form; the second save is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from crm.concurrency import StaleObjectError, ensure_not_stale, version_token
from crm.models import FieldChange
from opportunities.models import Opportunity
from setup.models import MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import OpportunityFactory
from tests.factories.setup import series_with_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact_setup(db):
    series = series_with_line("CONT", "CT000001")
    MarketingSetup.load()
    MarketingSetup.objects.update(contact_series=series)


def form_data(form) -> dict:
    """What a browser would post back for an untouched form."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            value = "on"
        data[bound.html_name] = value
    return data


def two_clients(user_a, user_b):
    a, b = Client(), Client()
    a.force_login(user_a)
    b.force_login(user_b)
    return a, b


def test_second_contact_save_is_refused_with_the_changed_fields(
    contact_setup, sales_user, marketing_user
):
    # given two users who opened the same form
    company = CompanyFactory(name="Acme", phone="111", city="Paris")
    url = reverse("contacts:contact-update", args=[company.pk])
    a, b = two_clients(sales_user, marketing_user)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert data_a["version"] == version_token(company)
    # when A saves first, then B saves from the old form
    assert a.post(url, {**data_a, "phone": "222"}).status_code == 302
    response = b.post(url, {**data_b, "phone": "333", "city": "Lyon"})
    # then B is refused, sees what changed, and nothing of B is written
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "Someone else saved this record" in errors[0]
    assert "Phone no.: 333 / 222" in errors[0]
    assert "City: Lyon / Paris" in errors[0]
    company.refresh_from_db()
    assert (company.phone, company.city) == ("222", "Paris")
    # and the re-rendered form carries the current version: saving again is a choice
    again = form_data(response.context["form"])
    assert again["version"] == version_token(company)
    assert b.post(url, again).status_code == 302
    company.refresh_from_db()
    assert (company.phone, company.city) == ("333", "Lyon")


def test_a_save_without_concurrent_change_goes_through(contact_setup, sales_user):
    company = CompanyFactory(name="Acme")
    url = reverse("contacts:contact-update", args=[company.pk])
    client = Client()
    client.force_login(sales_user)
    data = form_data(client.get(url).context["form"])
    assert client.post(url, {**data, "phone": "555"}).status_code == 302
    assert Contact.objects.get(pk=company.pk).phone == "555"


def test_second_opportunity_save_is_refused(sales_user, admin_user_):
    opportunity = OpportunityFactory(description="Deal")
    url = reverse("opportunities:opportunity-edit", args=[opportunity.pk])
    a, b = two_clients(sales_user, admin_user_)
    data_a = form_data(a.get(url).context["form"])
    data_b = form_data(b.get(url).context["form"])
    assert a.post(url, {**data_a, "description": "Deal A"}).status_code == 302
    response = b.post(url, {**data_b, "description": "Deal B"})
    assert response.status_code == 200
    assert "Description: Deal B / Deal A" in response.context["form"].non_field_errors()[0]
    assert Opportunity.objects.get(pk=opportunity.pk).description == "Deal A"
    assert FieldChange.objects.filter(object_id=opportunity.pk, field="description").count() == 1


def test_ensure_not_stale_skips_callers_without_a_form(contact_setup):
    company = CompanyFactory(name="Acme")
    ensure_not_stale(instance=company, expected_version=None, fields=["name"], data={})
    ensure_not_stale(
        instance=company, expected_version=version_token(company), fields=["name"], data={}
    )
    with pytest.raises(StaleObjectError, match="Someone else saved"):
        ensure_not_stale(
            instance=company, expected_version="2000-01-01T00:00:00+00:00", fields=["name"],
            data={"name": "Other"},
        )  # fmt: skip
    with pytest.raises(StaleObjectError):
        ensure_not_stale(instance=company, expected_version="garbage", fields=[], data={})
