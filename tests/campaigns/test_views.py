import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns.models import Campaign, CampaignEntry, CampaignPriceLine, CampaignTargetGroup
from campaigns.references import interaction_model, opportunity_entry_model, segment_model
from crm.concurrency import version_token
from tests.contacts.helpers_links import company as make_company
from tests.factories.campaigns import (
    CampaignEntryFactory,
    CampaignFactory,
    CampaignPriceLineFactory,
    CampaignStatusFactory,
    CampaignTargetGroupFactory,
)
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [1, 30])
def test_campaign_list_queries_do_not_grow(
    client, marketing_user, django_assert_max_num_queries, rows
):
    """The list costs the same queries for 1 and 30 rows."""
    status = CampaignStatusFactory(code="2-RUN")
    salesperson = SalespersonFactory()
    for campaign in CampaignFactory.create_batch(rows, status=status, salesperson=salesperson):
        CampaignPriceLineFactory(campaign=campaign)
        CampaignTargetGroupFactory(campaign=campaign)
    client.force_login(marketing_user)
    with django_assert_max_num_queries(8):  # session, user, perms, 2 filter lists, count, page
        response = client.get(reverse("campaigns:index"))
    assert response.status_code == 200
    assert len(response.context["object_list"]) == rows


def test_campaign_list_filters_and_htmx_partial(client, marketing_user):
    CampaignFactory(number="SPRING", description="Spring fair", starting_date=dt.date(2026, 3, 1))
    activated = CampaignFactory(number="AUTUMN", description="Autumn")
    CampaignTargetGroupFactory(campaign=activated)
    client.force_login(marketing_user)
    response = client.get(reverse("campaigns:index"), {"q": "spring"})
    assert [c.number for c in response.context["object_list"]] == ["SPRING"]
    response = client.get(reverse("campaigns:index"), {"is_activated": "true"})
    assert [c.number for c in response.context["object_list"]] == ["AUTUMN"]
    response = client.get(reverse("campaigns:index"), {"active_on": "2026-02-01"})
    assert [c.number for c in response.context["object_list"]] == ["AUTUMN"]
    response = client.get(reverse("campaigns:index"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="results"' in body
    assert "<html" not in body


def test_campaign_pages_need_permission(client, make_user):
    campaign = CampaignFactory()
    client.force_login(make_user("nobody"))
    assert client.get(reverse("campaigns:index")).status_code == 403
    assert client.get(campaign.get_absolute_url()).status_code == 403


def test_sales_user_cannot_change(client, sales_user):
    campaign = CampaignFactory()
    client.force_login(sales_user)
    assert client.get(campaign.get_absolute_url()).status_code == 200
    assert client.get(reverse("campaigns:campaign-update", args=[campaign.pk])).status_code == 403
    response = client.post(reverse("campaigns:campaign-delete", args=[campaign.pk]))
    assert response.status_code == 403


@pytest.mark.parametrize("rows", [1, 30])
def test_campaign_card_queries_do_not_grow(
    client, marketing_user, django_assert_max_num_queries, rows
):
    """The card costs the same queries for 1 and 30 price lines and entries."""
    campaign = CampaignFactory(status=CampaignStatusFactory(), salesperson=SalespersonFactory())
    CampaignPriceLineFactory.create_batch(rows, campaign=campaign)
    CampaignEntryFactory.create_batch(rows, campaign=campaign, salesperson=SalespersonFactory())
    client.force_login(marketing_user)
    # session, user, perms, campaign, price lines, entries (+1 per linked area's aggregate)
    linked = [interaction_model(), opportunity_entry_model(), segment_model()]
    with django_assert_max_num_queries(7 + sum(m is not None for m in linked)):
        response = client.get(campaign.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["entries"]) == rows
    assert 'id="statistics"' in response.content.decode()


def test_campaign_card_chart_in_french(client, marketing_user):
    """The statistics chart is server-side SVG with translated labels."""
    campaign = CampaignFactory()
    InteractionLogEntryFactory(campaign=campaign, is_campaign_target=True)
    client.force_login(marketing_user)
    with translation.override("fr"):
        response = client.get(campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    chart = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Contacts cibles contactés" in chart


def test_campaign_chart_without_figures_says_no_data(client, marketing_user):
    """An empty chart says so instead of drawing zero-length bars."""
    campaign = CampaignFactory()
    client.force_login(marketing_user)
    with translation.override("fr"):
        response = client.get(campaign.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert "<svg" not in body
    assert "Pas encore de données." in body


def test_campaign_create_and_refusal(client, marketing_user, campaign_setup):
    client.force_login(marketing_user)
    url = reverse("campaigns:campaign-create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"description": "Bad", "starting_date": "2026-03-01", "ending_date": "2026-02-01"},
    )
    assert response.status_code == 200
    assert "must not be after the ending date" in response.content.decode()
    response = client.post(url, {"description": "Good", "starting_date": "2026-03-01"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert campaign.number == "CA0001"


def test_campaign_update_and_delete(client, marketing_user):
    campaign = CampaignFactory()
    client.force_login(marketing_user)
    response = client.post(
        reverse("campaigns:campaign-update", args=[campaign.pk]),
        {"description": "Renamed", "version": version_token(campaign)},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.description == "Renamed"
    assert client.get(reverse("campaigns:campaign-delete", args=[campaign.pk])).status_code == 200
    response = client.post(reverse("campaigns:campaign-delete", args=[campaign.pk]))
    assert response.status_code == 302
    assert not Campaign.objects.exists()


def test_activate_page_asks_without_price_lines(client, marketing_user, target_lines):
    """CA-4 on the page: without price lines the confirmation asks "activate anyway?"."""
    campaign = CampaignFactory()
    target_lines.add(campaign, make_company())
    client.force_login(marketing_user)
    url = reverse("campaigns:campaign-activate", args=[campaign.pk])
    assert "Activate anyway?" in client.get(url).content.decode()
    client.post(url)  # no confirmation flag: refused, nothing written
    assert not CampaignTargetGroup.objects.exists()
    client.post(url, {"confirm": "1"})
    assert CampaignTargetGroup.objects.filter(campaign=campaign).count() == 1
    response = client.post(reverse("campaigns:campaign-deactivate", args=[campaign.pk]))
    assert response.status_code == 302
    assert not CampaignTargetGroup.objects.exists()


def test_price_line_add_edit_delete(client, marketing_user):
    campaign = CampaignFactory()
    client.force_login(marketing_user)
    url = reverse("campaigns:price-line-create", args=[campaign.pk])
    response = client.post(url, {"item_code": "A"})
    assert response.status_code == 200
    assert "unit price, a line discount" in response.content.decode()
    client.post(url, {"item_code": "A", "unit_price": "10.50"})
    line = CampaignPriceLine.objects.get()
    client.post(
        reverse("campaigns:price-line-update", args=[campaign.pk, line.pk]),
        {
            "item_code": "A",
            "unit_price": "9",
            "minimum_quantity": "5",
            "version": version_token(line),
        },
    )
    line.refresh_from_db()
    assert (line.unit_price, line.minimum_quantity) == (Decimal(9), Decimal(5))
    client.post(reverse("campaigns:price-line-delete", args=[campaign.pk, line.pk]))
    assert not CampaignPriceLine.objects.exists()


def test_entries_cancel_and_csv_export(client, marketing_user):
    campaign = CampaignFactory(number="K7")
    entry = CampaignEntryFactory(campaign=campaign, description="Mailing")
    client.force_login(marketing_user)
    url = reverse("campaigns:campaign-entries-cancel", args=[campaign.pk])
    asks = client.post(url, {"entry": [entry.pk], "is_canceled": "1"})
    assert asks.status_code == 200  # CMP-11: the confirmation, selection kept
    assert f'name="entry" value="{entry.pk}"' in asks.content.decode()
    entry.refresh_from_db()
    assert not entry.is_canceled
    client.post(url, {"entry": [entry.pk], "is_canceled": "1", "confirm": "1"})
    entry.refresh_from_db()
    assert entry.is_canceled
    response = client.get(reverse("campaigns:campaign-entries-export", args=[campaign.pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("Entry no.,Date,Description")
    assert "Mailing" in lines[1]
    response = client.post(
        reverse("campaigns:campaign-entries-delete-canceled", args=[campaign.pk])
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert CampaignEntry.objects.filter(pk=entry.pk).exists()  # the job runs after commit


def test_price_lookup_page(client, marketing_user, campaign_setup):
    campaign = CampaignFactory(number="K1")
    CampaignTargetGroupFactory(campaign=campaign, kind="customer", number="C1")
    CampaignPriceLineFactory(campaign=campaign, item_code="I", unit_price=Decimal("7.25"))
    client.force_login(marketing_user)
    url = reverse("campaigns:price-lookup")
    assert client.get(url).status_code == 200
    response = client.get(
        url, {"customer_number": "C1", "item_code": "I", "on_date": "2026-01-01", "quantity": "1"}
    )
    body = response.content.decode()
    assert "7.25" in body
    assert "no campaign discount" in body
    response = client.get(url, {"item_code": "I", "on_date": "2026-01-01", "quantity": "1"})
    assert "Enter either a customer no. or a contact no." in response.content.decode()


def test_statistics_period_partial(client, marketing_user):
    """10.1: the statistics accept a date range; htmx gets only the statistics card."""
    campaign = CampaignFactory()
    client.force_login(marketing_user)
    response = client.get(
        campaign.get_absolute_url(),
        {"part": "statistics", "date_from": "2026-01-01", "date_to": "2026-12-31"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert 'id="statistics"' in body
    assert 'id="price-lines"' not in body
    assert "chart-empty" in body  # no interaction in the period: no bars of zero


def test_contact_campaign_prices_fragment(client, marketing_user):
    """6.4: the contact card fragment lists price lines of activated campaigns targeting the
    contact's company whose dates include today."""
    company = make_company()
    running = CampaignFactory(number="RUN")
    CampaignTargetGroupFactory(campaign=running, kind="contact", number=company.number)
    CampaignPriceLineFactory(campaign=running, item_code="SHOWN", unit_price=Decimal(1))
    ended = CampaignFactory(number="OLD", ending_date=dt.date(2000, 1, 1))
    CampaignTargetGroupFactory(campaign=ended, kind="contact", number=company.number)
    CampaignPriceLineFactory(campaign=ended, item_code="HIDDEN", unit_price=Decimal(1))
    client.force_login(marketing_user)
    response = client.get(reverse("campaigns:contact-campaign-prices", args=[company.pk]))
    body = response.content.decode()
    assert "SHOWN" in body
    assert "HIDDEN" not in body
