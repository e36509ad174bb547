"""Campaign activation's raw SQL takes its identifiers from the models (``crm.sql``): with
columns renamed in the database and in ``_meta`` (``rename_column``: tests/conftest.py) the
target rows are the same."""

import pytest

from campaigns.models import CampaignTargetGroup
from campaigns.services import campaign_activate, campaign_targets_refresh
from contacts.models import Contact, ContactBusinessRelation
from setup.models import LinkType
from tests.factories.campaigns import CampaignFactory, CampaignPriceLineFactory
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.setup import BusinessRelationFactory

pytestmark = pytest.mark.django_db


def test_activation_and_refresh_follow_renamed_columns(campaign_setup, target_lines, rename_column):
    # given: a customer-linked company (through its person) and a plain company
    campaign = CampaignFactory()
    CampaignPriceLineFactory(campaign=campaign)
    linked, plain = CompanyFactory(), CompanyFactory()
    ContactBusinessRelation.objects.create(
        contact=linked,
        business_relation=BusinessRelationFactory(code="CUST"),
        link_type=LinkType.CUSTOMER,
        external_number="C0042",
    )
    target_lines.add(campaign, PersonFactory(company=linked))
    plain_person = PersonFactory(company=plain)
    plain_line = target_lines.add(campaign, plain_person)
    rename_column(Contact, "company", "employer_ref")
    rename_column(ContactBusinessRelation, "external_number", "external_no")
    rename_column(ContactBusinessRelation, "contact", "contact_ref")
    rename_column(CampaignTargetGroup, "number", "target_number")
    # when
    result = campaign_activate(campaign=campaign)
    rows = set(campaign.target_groups.values_list("kind", "number"))
    target_lines.remove(plain_line)
    campaign_targets_refresh(campaign_id=campaign.pk, contact_ids=[plain_person.pk])
    # then
    assert result.inserted == 2
    assert rows == {("customer", "C0042"), ("contact", plain.number)}
    assert set(campaign.target_groups.values_list("kind", "number")) == {("customer", "C0042")}
