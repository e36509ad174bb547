"""One table definition per report gives the HTML table and the CSV export (R-1), money
columns naming the base currency."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from setup.models import MarketingSetup
from tests.factories.opportunities import TaskFactory, cycle_with_stages, number_series_setup
from tests.factories.setup import CurrencyFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

TABLE_REPORTS = [
    "reports:contact-list",
    "reports:salesperson-tasks",
    "reports:salesperson-opportunities",
    "reports:opportunity-list",
]


def _started(value):
    from tests.factories.contacts import CompanyFactory

    cycle = cycle_with_stages(2)
    opportunity = services.opportunity_create(
        description="Deal",
        contact=CompanyFactory(name="Brasserie"),
        salesperson=SalespersonFactory(),
        sales_cycle=cycle,
    )
    services.opportunity_update(
        opportunity=opportunity,
        action="first",
        date_of_change=timezone.localdate(),
        estimated_value=Decimal(value),
    )


def _csv(client, url):
    response = client.get(url, {"format": "csv"})
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _html_header(body: str) -> list[str]:
    thead = re.search(r"<thead><tr>(.*?)</tr></thead>", body, re.S).group(1)
    return re.findall(r"<th>(.*?)</th>", thead)


@pytest.mark.parametrize("name", TABLE_REPORTS)
def test_page_and_csv_share_the_table(client, admin_user_, name):
    """The HTML header and cells are the CSV's (grouped reports: after the group column)."""
    # given
    number_series_setup()
    setup = MarketingSetup.load()
    setup.base_currency = CurrencyFactory(code="CHF")
    setup.save()
    _started(1234)
    TaskFactory(date=timezone.localdate(), description="Call back")
    client.force_login(admin_user_)
    url = reverse(name)
    # when
    page = client.get(url)
    rows = _csv(client, url)
    # then: rows were shown (both ways) and agree cell by cell
    assert len(rows) > 1
    view = page.context["view"]
    skip = 1 if view.grouped else 0
    assert view.table is not None
    assert rows[0][skip:] == _html_header(page.content.decode())
    html_cells = [cells for group in page.context["groups"] for cells in group["rows"]]
    assert [row[skip:] for row in rows[1:]] == html_cells


def test_money_columns_name_the_base_currency(client, admin_user_):
    # given
    number_series_setup()
    setup = MarketingSetup.load()
    setup.base_currency = CurrencyFactory(code="CHF")
    setup.save()
    _started(1234)
    client.force_login(admin_user_)
    # when
    header = _csv(client, reverse("reports:opportunity-list"))[0]
    # then
    assert "Estimated value (CHF)" in header
    assert "Calculated current value (CHF)" in header
