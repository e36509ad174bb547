import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from campaigns.models import Campaign, CampaignEntry, CampaignPriceLine, CampaignTargetGroup
from campaigns.selectors import CampaignStatistics, campaign_is_activated, campaign_price_lookup
from campaigns.services import (
    ActivationNeedsConfirmation,
    campaign_activate,
    campaign_create,
    campaign_deactivate,
    campaign_delete,
    campaign_entries_delete_canceled,
    campaign_entries_delete_canceled_start,
    campaign_entries_set_canceled,
    campaign_entry_create,
    campaign_entry_delete,
    campaign_price_line_create,
    campaign_target_added,
    campaign_target_convert_for_company,
    campaign_target_removed,
    campaign_update,
)
from contacts.links import contact_business_relation_delete, contact_link_existing
from contacts.models import CommentLine, CommentTargetKind, ContactBusinessRelation
from crm.exceptions import ApplicationError
from setup.models import LinkType
from tests.contacts.helpers_links import link_setup
from tests.factories.campaigns import (
    CampaignEntryFactory,
    CampaignFactory,
    CampaignPriceLineFactory,
    CampaignStatusFactory,
    CampaignTargetGroupFactory,
)
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.setup import BusinessRelationFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

D = dt.date


def customer_link(company, external_number):
    return ContactBusinessRelation.objects.create(
        contact=company,
        business_relation=BusinessRelationFactory(code=f"C{external_number}"[:10]),
        link_type=LinkType.CUSTOMER,
        external_number=external_number,
    )


# -- CMP-1 --------------------------------------------------------------------------------------


def test_ca1_starting_date_after_ending_date_is_refused(campaign_setup, make_user):
    """CA-1: a starting date after the ending date is refused (CMP-1), on create and update,
    and the database constraint rejects it too."""
    user = make_user("m1")
    with pytest.raises(ValidationError, match="must not be after the ending date"):
        campaign_create(user=user, starting_date=D(2026, 3, 1), ending_date=D(2026, 2, 1))
    assert not Campaign.objects.exists()
    campaign = campaign_create(user=user, starting_date=D(2026, 1, 1), ending_date=D(2026, 2, 1))
    with pytest.raises(ValidationError, match="must not be after the ending date"):
        campaign_update(campaign=campaign, data={"ending_date": D(2025, 12, 31)})
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(starting_date=D(2027, 1, 1))


def test_cmp1_number_salesperson_and_last_modified(campaign_setup, make_user):
    """CMP-1: number from campaign_series, salesperson defaults to the user's, blocked
    salespeople are refused, last_modified_on is set on change."""
    user = make_user("m2")
    mine = SalespersonFactory(code="ME", user=user)
    campaign = campaign_create(user=user, description="Spring", status=CampaignStatusFactory())
    assert campaign.number == "CA0001"
    assert campaign.salesperson == mine
    assert campaign_create(user=user, salesperson=None).salesperson is None
    blocked = SalespersonFactory(code="BL", is_blocked=True)
    with pytest.raises(ValidationError, match="blocked"):
        campaign_create(user=user, salesperson=blocked)
    Campaign.objects.filter(pk=campaign.pk).update(last_modified_on=D(2020, 1, 1))
    campaign.refresh_from_db()
    campaign_update(campaign=campaign, data={"description": "Summer"})
    campaign.refresh_from_db()
    assert campaign.description == "Summer"
    assert campaign.last_modified_on > D(2020, 1, 1)


def test_cmp1_setup_series_missing(db, make_user):
    """CMP-1: without a campaign series in the setup, creation names the setup field."""
    with pytest.raises(ValidationError, match=r"[Cc]ampaign nos"):
        campaign_create(user=make_user("m3"))


# -- CMP-2 --------------------------------------------------------------------------------------


def test_cmp2_delete_removes_children(campaign_setup):
    """CMP-2: deleting deactivates and deletes price lines, entries and comments."""
    campaign = CampaignFactory()
    CampaignPriceLineFactory(campaign=campaign)
    CampaignEntryFactory(campaign=campaign)
    CampaignTargetGroupFactory(campaign=campaign)
    CommentLine.objects.create(
        target_kind=CommentTargetKind.CAMPAIGN, target_id=campaign.pk, line_no=1, comment="x"
    )
    campaign_delete(campaign=campaign)
    assert not Campaign.objects.exists()
    assert not CampaignPriceLine.objects.exists()
    assert not CampaignEntry.objects.exists()
    assert not CampaignTargetGroup.objects.exists()
    assert not CommentLine.objects.filter(target_kind=CommentTargetKind.CAMPAIGN).exists()


def _referencing_fields():
    return [
        rel
        for rel in Campaign._meta.related_objects
        if rel.related_model._meta.app_label != "campaigns"
    ]


def test_ca12_delete_refused_while_referenced(campaign_setup):
    """CA-12: deleting a campaign referenced by an interaction (or any other area's record)
    is refused (CMP-2)."""
    from tests.factories.interactions import InteractionLogEntryFactory

    campaign = CampaignFactory()

    InteractionLogEntryFactory(campaign=campaign)
    with pytest.raises(ApplicationError, match=r"cannot be deleted.*interaction"):
        campaign_delete(campaign=campaign)
    assert Campaign.objects.filter(pk=campaign.pk).exists()


# -- CMP-20…25 ----------------------------------------------------------------------------------


def test_ca3_activate_creates_customer_and_contact_rows_and_deactivate(
    campaign_setup, target_lines
):
    """CA-3: activation creates customer rows for companies with a customer link and contact
    rows for the others (persons resolve to their company, duplicates ignored); the campaign
    shows activated; deactivate removes all rows (CMP-20/22/25)."""
    campaign = CampaignFactory()
    CampaignPriceLineFactory(campaign=campaign)
    linked = CompanyFactory()
    customer_link(linked, "C0042")
    plain = CompanyFactory()
    target_lines.add(campaign, PersonFactory(company=linked))
    target_lines.add(campaign, linked)
    target_lines.add(campaign, PersonFactory(company=plain))
    target_lines.add(campaign, CompanyFactory(), is_campaign_target=False)
    other = CampaignFactory()
    target_lines.add(other, CompanyFactory())

    result = campaign_activate(campaign=campaign)

    rows = set(campaign.target_groups.values_list("kind", "number"))
    assert rows == {("customer", "C0042"), ("contact", plain.number)}
    assert result.inserted == 2
    assert campaign_is_activated(campaign=campaign)
    assert not campaign_is_activated(campaign=other)
    # Re-activating is harmless (duplicates ignored).
    campaign_activate(campaign=campaign)
    assert campaign.target_groups.count() == 2
    assert campaign_deactivate(campaign=campaign) == 2
    assert not campaign_is_activated(campaign=campaign)


def test_ca4_activation_without_targets_or_prices(campaign_setup, target_lines):
    """CA-4: without a target line or interaction activation fails with guidance; without
    price lines it asks first (CMP-20/21)."""
    campaign = CampaignFactory(number="K9")
    with pytest.raises(ActivationNeedsConfirmation, match="no price lines"):
        campaign_activate(campaign=campaign)
    with pytest.raises(
        ApplicationError,
        match="No segment line or interaction is marked as campaign target for campaign K9; "
        "tick Campaign target on a segment first",
    ):
        campaign_activate(campaign=campaign, activate_without_prices=True)
    target_lines.add(campaign, CompanyFactory())
    assert campaign_activate(campaign=campaign, activate_without_prices=True).inserted == 1


def test_ca10_cmp23_hooks_keep_group_current(campaign_setup, target_lines):
    """CA-10 (with stand-in lines): while activated, a new target line for a new company adds
    its row; deleting that company's last target line removes it (CMP-23)."""
    campaign = CampaignFactory()
    first = CompanyFactory()
    target_lines.add(campaign, first)
    campaign_activate(campaign=campaign, activate_without_prices=True)
    company = CompanyFactory()
    p1, p2 = PersonFactory(company=company), PersonFactory(company=company)
    line1 = target_lines.add(campaign, p1)
    campaign_target_added(campaign_id=campaign.pk, contact_id=p1.pk)
    line2 = target_lines.add(campaign, p2)
    campaign_target_added(campaign_id=campaign.pk, contact_id=p2.pk)
    assert campaign.target_groups.filter(number=company.number).count() == 1
    target_lines.remove(line1)
    campaign_target_removed(campaign_id=campaign.pk, contact_id=p1.pk)
    assert campaign.target_groups.filter(number=company.number).exists()
    target_lines.remove(line2)
    campaign_target_removed(campaign_id=campaign.pk, contact_id=p2.pk)
    assert not campaign.target_groups.filter(number=company.number).exists()
    assert campaign.target_groups.filter(number=first.number).exists()
    # Not activated: hooks do nothing.
    idle = CampaignFactory()
    target_lines.add(idle, p1)
    campaign_target_added(campaign_id=idle.pk, contact_id=p1.pk)
    assert not idle.target_groups.exists()


def test_cmp24_conversion_follows_customer_link(campaign_setup):
    """CMP-24: a customer link turns contact rows into customer rows; removing it turns them
    back (through the contacts link signals)."""
    link_setup("customer")
    company = CompanyFactory()
    k1, k2 = CampaignFactory(), CampaignFactory()
    CampaignTargetGroupFactory(campaign=k1, kind="contact", number=company.number)
    CampaignTargetGroupFactory(campaign=k2, kind="contact", number=company.number)
    # k2 already has the customer row: the duplicate collapses.
    CampaignTargetGroupFactory(campaign=k2, kind="customer", number="C7777")
    link = contact_link_existing(contact=company, link_type="customer", external_number="C7777")
    assert set(CampaignTargetGroup.objects.values_list("campaign", "kind", "number")) == {
        (k1.pk, "customer", "C7777"),
        (k2.pk, "customer", "C7777"),
    }
    contact_business_relation_delete(relation=link)
    assert set(CampaignTargetGroup.objects.values_list("kind", "number")) == {
        ("contact", company.number)
    }
    assert campaign_target_convert_for_company(company=company, external_number=None) == 0


# -- CMP-30 -------------------------------------------------------------------------------------


def test_ca5_price_lookup_targeted_dates(campaign_setup):
    """CA-5: the lookup returns the campaign price for a targeted customer on a date inside
    the campaign, nothing for a non-targeted customer or a date outside (CMP-30)."""
    campaign = CampaignFactory(starting_date=D(2026, 1, 1), ending_date=D(2026, 1, 31))
    line = CampaignPriceLineFactory(campaign=campaign, item_code="1000", unit_price=Decimal(12))
    CampaignTargetGroupFactory(campaign=campaign, kind="customer", number="C1")
    hit = campaign_price_lookup(
        customer_number="C1", item_code="1000", on_date=D(2026, 1, 15), quantity=Decimal(1)
    )
    assert (hit.unit_price, hit.price_campaign_number, hit.price_line_id) == (
        Decimal("12.00"),
        campaign.number,
        line.pk,
    )
    assert hit.discount_message == "no campaign discount"
    miss = campaign_price_lookup(
        customer_number="C2", item_code="1000", on_date=D(2026, 1, 15), quantity=Decimal(1)
    )
    assert miss.unit_price is None
    assert miss.price_message == "no campaign price"
    outside = campaign_price_lookup(
        customer_number="C1", item_code="1000", on_date=D(2026, 2, 1), quantity=Decimal(1)
    )
    assert outside.unit_price is None


def test_cmp30_contact_resolves_to_company_and_both_kinds(campaign_setup):
    """CMP-30: a contact resolves to its company; a company with a customer link matches
    customer rows, a customer number matches contact rows of its company; currency/unit."""
    company = CompanyFactory()
    customer_link(company, "C55")
    person = PersonFactory(company=company)
    k1 = CampaignFactory(number="K1")
    CampaignTargetGroupFactory(campaign=k1, kind="customer", number="C55")
    CampaignPriceLineFactory(campaign=k1, item_code="X", unit_price=Decimal(5))
    k2 = CampaignFactory(number="K2")
    CampaignTargetGroupFactory(campaign=k2, kind="contact", number=company.number)
    CampaignPriceLineFactory(
        campaign=k2, item_code="X", unit_price=None, line_discount_percent=Decimal(3)
    )
    CampaignPriceLineFactory(
        campaign=k2, item_code="X", unit_price=Decimal(1), unit_of_measure="BOX"
    )
    today = D(2026, 5, 5)
    by_person = campaign_price_lookup(
        contact=person, item_code="X", on_date=today, quantity=1, unit_of_measure="PCS"
    )
    assert (by_person.unit_price, by_person.price_campaign_number) == (Decimal(5), "K1")
    assert (by_person.line_discount_percent, by_person.discount_campaign_number) == (3, "K2")
    by_customer = campaign_price_lookup(
        customer_number="C55", item_code="X", on_date=today, quantity=1, unit_of_measure="PCS"
    )
    assert by_customer.unit_price == Decimal(5)
    assert by_customer.line_discount_percent == Decimal(3)
    boxes = campaign_price_lookup(
        customer_number="C55", item_code="X", on_date=today, quantity=1, unit_of_measure="box"
    )
    assert boxes.unit_price == Decimal(1)
    from tests.factories.setup import CurrencyFactory

    usd = campaign_price_lookup(
        customer_number="C55",
        item_code="X",
        on_date=today,
        quantity=1,
        unit_of_measure="PCS",
        currency=CurrencyFactory(code="USD"),
    )
    assert usd.unit_price is None
    with pytest.raises(ValidationError):
        campaign_price_lookup(customer_number="C55", item_code="X", on_date=today, quantity=-1)


def test_ca9_price_lookup_tie_breaks(campaign_setup):
    """CA-9: K1 prices 10.00 (min 0) and 9.00 (min 10) and 5 %; K2 8 % and 9.00 (min 10); the
    customer is targeted by both. Q=5 → 10.00 (K1), 8 % (K2); Q=10 → 9.00 from K1 (tie, lower
    campaign number), 8 % (K2) (CMP-30)."""
    k2 = CampaignFactory(number="K2")  # created first: ties must not depend on ids
    k1 = CampaignFactory(number="K1")
    for campaign in (k1, k2):
        CampaignTargetGroupFactory(campaign=campaign, kind="customer", number="CUST")
    CampaignPriceLineFactory(campaign=k2, item_code="I", unit_price=None, line_discount_percent=8)
    k2_nine = CampaignPriceLineFactory(
        campaign=k2, item_code="I", unit_price=Decimal("9.00"), minimum_quantity=10
    )
    CampaignPriceLineFactory(campaign=k1, item_code="I", unit_price=Decimal("10.00"))
    k1_nine = CampaignPriceLineFactory(
        campaign=k1, item_code="I", unit_price=Decimal("9.00"), minimum_quantity=10
    )
    CampaignPriceLineFactory(campaign=k1, item_code="I", unit_price=None, line_discount_percent=5)
    assert k2_nine.pk < k1_nine.pk

    def look(quantity):
        return campaign_price_lookup(
            customer_number="CUST", item_code="I", on_date=D(2026, 6, 1), quantity=quantity
        )

    five = look(Decimal(5))
    assert (five.unit_price, five.price_campaign_number) == (Decimal("10.00"), "K1")
    assert (five.line_discount_percent, five.discount_campaign_number) == (Decimal(8), "K2")
    ten = look(Decimal(10))
    assert (ten.unit_price, ten.price_campaign_number, ten.price_line_id) == (
        Decimal("9.00"),
        "K1",
        k1_nine.pk,
    )
    assert (ten.line_discount_percent, ten.discount_campaign_number) == (Decimal(8), "K2")


def test_price_line_needs_price_or_discount(campaign_setup):
    """6.1: at least one of unit price and discount (service message and DB constraint)."""
    campaign = CampaignFactory()
    with pytest.raises(ValidationError, match="unit price, a line discount"):
        campaign_price_line_create(campaign=campaign, data={"item_code": "A"})
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignPriceLine.objects.create(campaign=campaign, item_code="A")
    line = campaign_price_line_create(
        campaign=campaign, data={"item_code": " A ", "line_discount_percent": Decimal(2)}
    )
    assert line.item_code == "A"


# -- 10.4 ---------------------------------------------------------------------------------------


def test_ca6_statistics_figures():
    """CA-6: 8 contacted and 2 responded give 25.0 % and an average cost per response of
    cost / 2; 0 contacted gives 0 % (10.4)."""
    stats = CampaignStatistics(
        contacted=8, responded=2, cost=Decimal("150.00"), duration_min=Decimal(45)
    )
    assert stats.response_rate == Decimal("25.0")
    assert stats.avg_cost_per_response == Decimal("75.00")
    assert stats.avg_duration_per_response == Decimal("22.50")
    empty = CampaignStatistics()
    assert empty.response_rate == Decimal("0.0")
    assert empty.avg_cost_per_response == 0


def test_ca6_statistics_sql_aggregates(campaign_setup):
    """CA-6: the SQL aggregates over the campaign's counted interactions (10.4)."""
    from campaigns.selectors import campaign_statistics
    from tests.factories.interactions import InteractionLogEntryFactory

    campaign = CampaignFactory()
    assert campaign_statistics(campaign=campaign).response_rate == 0

    for n in range(8):
        InteractionLogEntryFactory(
            campaign=campaign, is_campaign_target=True, is_campaign_response=n < 2, cost=10
        )
    InteractionLogEntryFactory(campaign=campaign, is_campaign_target=True, is_canceled=True)
    InteractionLogEntryFactory(campaign=campaign, is_campaign_target=True, is_postponed=True)
    stats = campaign_statistics(campaign=campaign)
    assert (stats.contacted, stats.responded) == (8, 2)
    assert stats.response_rate == Decimal("25.0")
    assert stats.avg_cost_per_response == stats.cost / 2


# -- CMP-10/11/12 -------------------------------------------------------------------------------


def test_cmp11_cancel_and_ca7_delete_only_canceled(campaign_setup, make_user):
    """CA-7 / CMP-11/12: entries toggle canceled; only canceled entries can be deleted (the
    job deletes only canceled ones, a rerun is harmless)."""
    campaign = CampaignFactory()
    entry = campaign_entry_create(campaign=campaign, document_kind="", user=make_user("e1"))
    assert entry.entry_no
    kept = campaign_entry_create(campaign=campaign)
    with pytest.raises(ValidationError, match="not canceled"):
        campaign_entry_delete(entry=entry)
    assert campaign_entries_set_canceled(entry_ids=[entry.pk], is_canceled=True) == 1
    entry.refresh_from_db()
    assert entry.is_canceled
    other = campaign_entry_create(campaign=campaign)
    campaign_entries_set_canceled(entry_ids=[other.pk], is_canceled=True)
    campaign_entry_delete(entry=other)
    job = campaign_entries_delete_canceled_start(campaign=campaign)
    assert campaign_entries_delete_canceled(job_id=job.pk, batch_size=1) == 1
    assert campaign_entries_delete_canceled(job_id=job.pk) == 1
    assert list(CampaignEntry.objects.values_list("pk", flat=True)) == [kept.pk]
