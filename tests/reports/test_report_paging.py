"""Report pages of sections are paged in SQL (100 per page, shared pager); the CSV carries
every row; a page costs the same number of queries for 1 and 30 sections."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.views import PagedReportView
from tests.factories.contacts import (
    CompanyFactory,
    ContactAltAddressDateRangeFactory,
    ContactAltAddressFactory,
    PersonFactory,
)
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.opportunities import (
    ActivityStepFactory,
    OpportunityFactory,
    SalesCycleFactory,
    SalesCycleStageFactory,
    TaskFactory,
)
from tests.factories.segments import SegmentFactory, SegmentLineFactory
from tests.reports.test_reports_more import entry

pytestmark = pytest.mark.django_db

PAGED_REPORTS = [
    ("reports:company-summary", None),
    ("reports:person-summary", None),
    ("reports:contact-labels", None),
    ("reports:segment-labels", "segment"),
    ("reports:opportunity-details", None),
]


def make_sections(rows: int):
    """``rows`` companies with a person each (interactions, tasks, alternate addresses and
    segment lines) and ``rows`` opportunities with an entry and a task."""
    segment = SegmentFactory()
    cycle = SalesCycleFactory()
    SalesCycleStageFactory(sales_cycle=cycle, stage=2, activity=ActivityStepFactory().activity)
    for _ in range(rows):
        company = CompanyFactory()
        person = PersonFactory(company=company)
        InteractionLogEntryFactory(contact=person, contact_company=company)
        TaskFactory(contact=person, contact_company=company, date=timezone.localdate())
        opportunity = OpportunityFactory(sales_cycle=cycle, contact=person)
        entry(opportunity)
        TaskFactory(opportunity=opportunity)
        SegmentLineFactory(segment=segment, contact=person)
        ContactAltAddressDateRangeFactory(
            alt_address=ContactAltAddressFactory(contact=person),
            starting_date=dt.date(2000, 1, 1),
        )
    return {"segment": segment}


def section_count(response) -> int:
    view = response.context["view"]
    if "sheet_rows" in response.context:
        return sum(len(row) for row in response.context["sheet_rows"])
    return len({g["name"] for g in response.context["groups"]}) if view.grouped else 0


# session, user, page of sections, rows of the sections (per report): fixed whatever the
# number of sections on the page. Permissions, the setup row and the filter form's code-table
# choices come from the cache (crm.caching) after the first request.
PAGE_QUERIES = {  # the session included; the user and its permissions come from the cache
    "reports:company-summary": 5,
    "reports:person-summary": 5,
    "reports:contact-labels": 5,
    "reports:segment-labels": 5,
    "reports:opportunity-details": 7,
}


@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize(("name", "arg"), PAGED_REPORTS)
def test_paged_report_queries_do_not_grow(
    client, admin_user_, name, arg, rows, django_assert_num_queries
):
    """Query budget: a page of 30 sections costs exactly what a page of 1 does."""
    data = make_sections(rows)
    url = reverse(name, args=[data[arg].pk] if arg else [])
    client.force_login(admin_user_)
    client.get(url)  # warm per-process caches (setup row, content types)
    with django_assert_num_queries(PAGE_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "arg"), PAGED_REPORTS)
def test_report_pages_split_sections_and_csv_has_every_row(
    client, admin_user_, monkeypatch, name, arg
):
    # given 5 sections and pages of 2
    monkeypatch.setattr(PagedReportView, "page_size", 2)
    data = make_sections(5)
    url = reverse(name, args=[data[arg].pk] if arg else [])
    client.force_login(admin_user_)
    # when the pages are read one by one
    pages, rows = [], []
    for number in range(1, 10):
        response = client.get(url, {"page": number})
        assert response.status_code == 200
        pages.append(response.context["page_obj"])
        assert len(pages[-1].object_list) <= 2
        rows += [cells for group in response.context["groups"] for cells in group["rows"]]
        if not pages[-1].has_next():
            break
    # then the pager links forward until the last page
    assert len(pages) >= 3
    assert [p.has_next() for p in pages] == [True] * (len(pages) - 1) + [False]
    assert 'rel="next"' in client.get(url, {"page": 1}).content.decode()
    # and the CSV streams the rows of every page
    body = b"".join(client.get(url, {"format": "csv"}).streaming_content).decode()
    lines = list(csv.reader(io.StringIO(body)))[1:]
    if response.context["view"].grouped:
        lines = [line[1:] for line in lines]
    assert lines == rows


def test_a_page_past_the_end_shows_the_first(client, admin_user_):
    make_sections(1)
    client.force_login(admin_user_)
    response = client.get(reverse("reports:person-summary"), {"page": 99})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
