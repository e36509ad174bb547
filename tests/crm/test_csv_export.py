"""Every CSV export writes formula-like text so that a spreadsheet shows it as text (OWASP's
CSV-injection rule), through the one writer of crm.csv_export."""

import csv
import io

import pytest
from django.urls import reverse

from crm.csv_export import SafeWriter, neutralise
from tests.factories.campaigns import CampaignEntryFactory, CampaignFactory
from tests.factories.contacts import CompanyFactory

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_text_is_written_as_text(value):
    assert neutralise(value) == "'" + value
    line = SafeWriter().writerow(["ok", value])
    assert next(csv.reader(io.StringIO(line))) == ["ok", "'" + value]


@pytest.mark.parametrize(
    "value", ["+33 1 23 45 67 89", "-12.50", "(0)6 12", "Acme", "", None, 12, -3, "a=b"]
)
def test_plain_values_numbers_and_phone_numbers_are_unchanged(value):
    assert neutralise(value) == value


def _rows(response) -> list[list[str]]:
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
def test_contact_export_neutralises_a_hostile_name(client, sales_user):
    CompanyFactory(name='=HYPERLINK("http://evil","Acme")', city="@evil")
    client.force_login(sales_user)
    rows = _rows(client.get(reverse("contacts:contact-export-csv")))
    header, data = rows[0], rows[1:]
    row = dict(zip(header, data[0], strict=False))
    assert row["name"] == '\'=HYPERLINK("http://evil","Acme")'
    assert row["city"] == "'@evil"


@pytest.mark.django_db
def test_report_csv_neutralises_a_hostile_name(client, admin_user_):
    CompanyFactory(name="+cmd|' /C calc'!A0")
    client.force_login(admin_user_)
    rows = _rows(client.get(reverse("reports:contact-list"), {"format": "csv"}))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'+cmd|' /C calc'!A0" in cells
    assert "+cmd|' /C calc'!A0" not in cells


@pytest.mark.django_db
def test_campaign_entries_export_neutralises_a_hostile_description(client, marketing_user):
    campaign = CampaignFactory(number="K9")
    CampaignEntryFactory(campaign=campaign, description="=1+1")
    client.force_login(marketing_user)
    rows = _rows(client.get(reverse("campaigns:campaign-entries-export", args=[campaign.pk])))
    assert "'=1+1" in rows[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "params"),
    [("contacts:contact-export-csv", {}), ("contacts:contact-export-vcf", {}),
     ("reports:contact-list", {"format": "csv"})],
)  # fmt: skip
def test_downloads_announce_their_length(client, admin_user_, url_name, params):
    """A download carries Content-Length: a transfer cut by a lost connection is seen as
    incomplete by the browser, never as a complete (shorter) file."""
    CompanyFactory(name="Length Co")
    client.force_login(admin_user_)
    response = client.get(reverse(url_name), params)
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body) > 0
    assert response["Content-Disposition"].startswith("attachment")
