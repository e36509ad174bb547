"""Reports app: contact statistics panel, statistics pages, reports with CSV, dashboard."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from opportunities.models import OpportunityEntry
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.opportunities import (
    OpportunityFactory,
    SalesCycleFactory,
    SalesCycleStageFactory,
    TaskFactory,
    TeamFactory,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


def active_entry(opportunity, *, stage=1, value=Decimal(1000), action="", days_open=0, **kw):
    return OpportunityEntry.objects.create(
        opportunity=opportunity,
        sales_cycle=opportunity.sales_cycle,
        stage=stage,
        contact=opportunity.contact,
        contact_company=opportunity.contact_company,
        salesperson=opportunity.salesperson,
        date_of_change=timezone.localdate(),
        estimated_value=value,
        calculated_current_value=value / 2,
        action_taken=action,
        days_open=days_open,
        estimated_close_date=kw.pop("close", timezone.localdate() + dt.timedelta(days=20)),
        **kw,
    )


def test_contact_statistics_panel_composes_areas(client, admin_user_):
    """SPEC 10.2: a company's panel counts its persons' interactions and opportunities."""
    company = CompanyFactory()
    person = PersonFactory(company=company)
    InteractionLogEntryFactory(contact=person, cost=Decimal(7), duration_min=Decimal(3))
    InteractionLogEntryFactory(contact=company, cost=Decimal(3), duration_min=Decimal(2))
    InteractionLogEntryFactory(contact=company, is_canceled=True)
    active_entry(OpportunityFactory(contact=person, contact_company=company))
    TaskFactory(contact=person, date=dt.date(2030, 1, 2))
    client.force_login(admin_user_)
    response = client.get(reverse("reports:contact-statistics", args=[company.pk]))
    stats = response.context["statistics"]
    assert stats["interactions"] == 2
    assert stats["cost"] == Decimal(10)
    assert stats["opportunities"] == 1
    assert stats["estimated_value"] == Decimal(1000)


def test_contact_card_loads_the_statistics_fragment(client, admin_user_):
    contact = CompanyFactory()
    client.force_login(admin_user_)
    page = client.get(reverse("contacts:contact-detail", args=[contact.pk])).content.decode()
    assert reverse("reports:contact-statistics", args=[contact.pk]) in page
    assert reverse("contacts:contact-profile", args=[contact.pk]) in page


def test_salesperson_statistics(client, admin_user_):
    """SPEC 10.3: interactions and active entries per salesperson with averages."""
    salesperson = SalespersonFactory()
    InteractionLogEntryFactory(salesperson=salesperson, cost=Decimal(10))
    InteractionLogEntryFactory(salesperson=salesperson, cost=Decimal(20))
    active_entry(OpportunityFactory(salesperson=salesperson), value=Decimal(300))
    client.force_login(admin_user_)
    rows = client.get(reverse("reports:salespeople")).context["rows"]
    row = next(r for r in rows if r["salesperson"] == salesperson)
    assert (row["interactions"], row["avg_cost"], row["opportunities"]) == (2, Decimal(15), 1)


@pytest.mark.parametrize("dimension", ["group", "template"])
def test_interaction_statistics(client, admin_user_, dimension):
    """SPEC 10.7: count, cost, duration per group and template."""
    entry = InteractionLogEntryFactory(cost=Decimal(5))
    InteractionLogEntryFactory(template=entry.template, cost=Decimal(5), is_postponed=True)
    client.force_login(admin_user_)
    url = reverse("reports:interaction-statistics", args=[dimension])
    rows = client.get(url).context["rows"]
    assert [(r["count"], r["cost"]) for r in rows] == [(1, Decimal(5))]


REPORTS = [
    "reports:contact-list",
    "reports:salesperson-tasks",
    "reports:team-tasks",
    "reports:salesperson-opportunities",
    "reports:opportunity-list",
    "reports:sales-cycle-analysis",
]


@pytest.mark.parametrize("name", REPORTS)
def test_r1_report_html_and_csv_same_rows(client, admin_user_, name):
    """R-1: every report renders as HTML with its filter form and exports CSV with the same
    rows."""
    cycle = SalesCycleFactory()
    SalesCycleStageFactory(sales_cycle=cycle, stage=1)
    opportunity = OpportunityFactory(sales_cycle=cycle)
    active_entry(opportunity)
    TaskFactory(contact=opportunity.contact)
    TaskFactory(contact=opportunity.contact, team=TeamFactory())
    client.force_login(admin_user_)
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert "<form" in page.content.decode()
    html_rows = [cells for group in page.context["groups"] for cells in group["rows"]]
    response = client.get(reverse(name), {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    csv_rows = list(csv.reader(io.StringIO(body)))[1:]
    if page.context["view"].grouped:
        csv_rows = [row[1:] for row in csv_rows]
    assert csv_rows == html_rows
    assert html_rows


def test_r3_sales_cycle_analysis_per_stage(client, admin_user_):
    """R-3: per stage the counts, values and average days of SPEC 10.6."""
    cycle = SalesCycleFactory()
    SalesCycleStageFactory(sales_cycle=cycle, stage=1, description="Lead")
    SalesCycleStageFactory(sales_cycle=cycle, stage=2, description="Offer")
    a, b = OpportunityFactory(sales_cycle=cycle), OpportunityFactory(sales_cycle=cycle)
    active_entry(a, stage=1, value=Decimal(100), is_active=False, days_open=4)
    active_entry(b, stage=1, value=Decimal(100), is_active=False, days_open=6)
    active_entry(a, stage=2, value=Decimal(100))
    active_entry(b, stage=2, value=Decimal(300))
    client.force_login(admin_user_)
    groups = client.get(reverse("reports:sales-cycle-analysis")).context["groups"]
    lead, offer = groups[0]["rows"]
    assert lead[2] == "0" and lead[5] == "5.0"
    assert offer[2] == "2" and offer[3] in {"400.00", "400,00"}


def test_r2_campaign_details(client, admin_user_):
    """R-2: campaign details shows the statistics of 10.4 and the campaign's entries."""
    from tests.factories.campaigns import CampaignEntryFactory, CampaignFactory

    campaign = CampaignFactory()
    CampaignEntryFactory(campaign=campaign, description="Mailing")
    InteractionLogEntryFactory(campaign=campaign, is_campaign_target=True)
    InteractionLogEntryFactory(campaign=campaign, is_campaign_target=True)
    InteractionLogEntryFactory(campaign=campaign, is_campaign_response=True)
    client.force_login(admin_user_)
    url = reverse("reports:campaign-details", args=[campaign.pk])
    response = client.get(url)
    stats = response.context["statistics"]
    assert (stats.contacted, stats.responded, stats.response_rate) == (2, 1, Decimal("50.0"))
    assert "Mailing" in response.content.decode()
    body = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode()
    assert "Mailing" in body


def test_report_index_and_named_url(client, sales_user):
    client.force_login(sales_user)
    assert reverse("reports") == "/reports/"
    assert client.get(reverse("reports")).status_code == 200


@pytest.mark.parametrize("rows", [1, 12])
def test_dashboard_queries_do_not_grow(client, admin_user_, django_assert_max_num_queries, rows):
    """The home dashboard costs a fixed number of queries whatever the data."""
    cycle = SalesCycleFactory()
    SalesCycleStageFactory(sales_cycle=cycle, stage=1)
    for _ in range(rows):
        active_entry(OpportunityFactory(sales_cycle=cycle))
        InteractionLogEntryFactory()
    client.force_login(admin_user_)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("home"))
    body = response.content.decode()
    assert body.count("<svg") == 3


def test_dashboard_in_french(client, admin_user_):
    client.force_login(admin_user_)
    with translation.override("en"):  # the request activates French; restore afterwards
        response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert "Interactions par semaine" in body
    assert "Pipeline par étape" in body
