"""Field-level change history: written by the update services, shown on the cards."""

import pytest
from django.urls import reverse

from contacts import services as contact_services
from crm.models import FieldChange
from opportunities import services as opportunity_services
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


def test_contact_update_writes_one_row_per_changed_field(
    contact_setup, sales_user, django_assert_num_queries
):
    company = CompanyFactory(name="Acme", phone="111", city="")
    contact_services.contact_update(
        contact=company, user=sales_user, data={"phone": "222", "city": "Lyon"}
    )
    rows = {c.field: c for c in FieldChange.objects.filter(object_id=company.pk)}
    assert set(rows) == {"phone", "city"}
    assert (rows["phone"].old_value, rows["phone"].new_value) == ("111", "222")
    assert rows["city"].user == sales_user
    # a save that changes nothing writes nothing
    contact_services.contact_update(contact=company, user=sales_user, data={"phone": "222"})
    assert FieldChange.objects.filter(object_id=company.pk).count() == 2


def test_opportunity_edit_records_choice_labels(sales_user):
    opportunity = OpportunityFactory(priority="normal")
    opportunity_services.opportunity_edit(
        opportunity=opportunity, data={"priority": "high"}, user=sales_user
    )
    change = FieldChange.objects.get(object_id=opportunity.pk, field="priority")
    assert (change.old_value, change.new_value) == ("Normal", "High")


def test_card_fragment_shows_who_when_old_new(client, contact_setup, sales_user):
    company = CompanyFactory(name="Acme", phone="111")
    contact_services.contact_update(contact=company, user=sales_user, data={"name_2": "<b>2</b>"})
    client.force_login(sales_user)
    card = client.get(reverse("contacts:contact-detail", args=[company.pk]))
    url = reverse("crm:field-history", args=["contacts", "contact", company.pk])
    assert url in card.content.decode()
    response = client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Name 2" in html and "&lt;b&gt;2&lt;/b&gt;" in html
    assert "sales" in html


def test_fragment_refuses_other_models_and_users_without_view_permission(
    client, make_user, contact_setup
):
    company = CompanyFactory()
    client.force_login(make_user("nobody"))
    url = reverse("crm:field-history", args=["contacts", "contact", company.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("crm:field-history", args=["auth", "user", 1])).status_code == 404
