"""Reports app, second part: the remaining reports of SPEC 10.9 (R-1, R-4), the analysis
pages of 10.8, segment statistics and the dashboard reading the pipeline summary."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from crm.csv_export import neutralise
from opportunities.models import OpportunityEntry
from setup.models import AddressFormat, MarketingSetup
from tests.factories.contacts import (
    CompanyFactory,
    ContactAltAddressDateRangeFactory,
    ContactAltAddressFactory,
    PersonFactory,
)
from tests.factories.interactions import InteractionLogEntryFactory
from tests.factories.opportunities import (
    ActivityFactory,
    ActivityStepFactory,
    OpportunityFactory,
    SalesCycleFactory,
    SalesCycleStageFactory,
    TaskFactory,
    TeamFactory,
)
from tests.factories.segments import SegmentFactory, SegmentLineFactory
from tests.factories.setup import CountryFactory, SalespersonFactory
from tests.static_files import static_text

pytestmark = pytest.mark.django_db


def entry(opportunity, *, stage=1, value=Decimal(1000), close=None, **kw):
    return OpportunityEntry.objects.create(
        opportunity=opportunity,
        sales_cycle=opportunity.sales_cycle,
        stage=stage,
        contact=opportunity.contact,
        contact_company=opportunity.contact_company,
        salesperson=kw.pop("salesperson", opportunity.salesperson),
        date_of_change=timezone.localdate(),
        estimated_value=value,
        calculated_current_value=value / 2,
        estimated_close_date=close or timezone.localdate(),
        **kw,
    )


def csv_rows(client, url, params=None):
    response = client.get(url, {**(params or {}), "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def html_rows(response):
    return [cells for group in response.context["groups"] for cells in group["rows"]]


@pytest.fixture
def data():
    """A company with a person, interactions, open tasks, a segment, an opportunity with
    history, tasks and an activity on a later stage."""
    company = CompanyFactory(address="1 Main St", post_code="75001", city="Paris")
    person = PersonFactory(company=company)
    InteractionLogEntryFactory(contact=person, contact_company=company, description="Call A")
    InteractionLogEntryFactory(contact=company, contact_company=company, description="Visit B")
    TaskFactory(contact=person, contact_company=company, description="Follow up")
    cycle = SalesCycleFactory()
    activity = ActivityFactory()
    ActivityStepFactory(activity=activity, description="Send offer", date_formula="+1W")
    SalesCycleStageFactory(sales_cycle=cycle, stage=1)
    SalesCycleStageFactory(sales_cycle=cycle, stage=2, activity=activity)
    opportunity = OpportunityFactory(sales_cycle=cycle, contact=company, contact_company=company)
    entry(opportunity, stage=1, is_active=False, days_open=3)
    entry(opportunity, stage=1, action_taken="updated")
    TaskFactory(opportunity=opportunity, contact=company, description="Opp task")
    segment = SegmentFactory()
    SegmentLineFactory(segment=segment, contact=company, cost=Decimal(4))
    SegmentLineFactory(segment=segment, contact=person, cost=Decimal(6))
    return {"company": company, "person": person, "opportunity": opportunity, "segment": segment}


NEW_REPORTS = [
    ("reports:company-summary", None),
    ("reports:person-summary", None),
    ("reports:contact-labels", None),
    ("reports:segment-labels", "segment"),
    ("reports:opportunity-details", None),
    ("reports:segment-statistics", None),
    ("reports:opportunity-analysis", None),
    ("reports:task-analysis", None),
]


@pytest.mark.parametrize(("name", "arg"), NEW_REPORTS)
def test_r1_new_reports_html_and_csv_same_rows(
    client, admin_user_, data, name, arg, django_assert_max_num_queries
):
    """R-1: company summary, person summary, contact labels, segment labels, opportunity
    details (and the analysis and segment statistics pages) render as HTML with their filter
    form and export CSV with the same rows, in a fixed number of queries."""
    if name == "reports:task-analysis":
        TaskFactory(date=timezone.localdate())
    url = reverse(name, args=[data[arg].pk] if arg else [])
    client.force_login(admin_user_)
    with django_assert_max_num_queries(16):
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    # The print rules live in a stylesheet of our own origin (the CSP forbids inline styles).
    assert "<form" in body and "/static/css/report-print.css" in body
    assert "@media print" in static_text("css/report-print.css")
    rows = html_rows(page)
    assert rows
    csv_body = csv_rows(client, url)
    header, lines = csv_body[0], csv_body[1:]
    if page.context["view"].grouped:
        lines = [line[1:] for line in lines]
    assert header[-len(page.context["columns"]) :] == [str(c) for c in page.context["columns"]]
    # The CSV writes formula-like text ("+1W") as text (crm.csv_export): the same cells.
    assert lines == [[neutralise(cell) for cell in row] for row in rows]


@pytest.mark.parametrize(("name", "arg"), NEW_REPORTS)
def test_new_report_queries_do_not_grow(
    client, admin_user_, name, arg, django_assert_max_num_queries
):
    """Query budget: twenty contacts, opportunities and segment lines cost what one does."""
    company = CompanyFactory()
    segment = SegmentFactory()
    cycle = SalesCycleFactory()
    SalesCycleStageFactory(sales_cycle=cycle, stage=2, activity=ActivityStepFactory().activity)
    for _ in range(20):
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
    client.force_login(admin_user_)
    url = reverse(name, args=[segment.pk] if arg else [])
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200


def test_company_summary_sections(client, admin_user_, data):
    """Company summary: address block, phone, interactions of the company and its persons
    (date, template, description) and open tasks."""
    client.force_login(admin_user_)
    response = client.get(reverse("reports:company-summary"), {"search": data["company"].name})
    rows = html_rows(response)
    assert rows[0][0] == "Address" and "75001 Paris" in rows[0][3]
    descriptions = [r[3] for r in rows]
    assert {"Call A", "Visit B", "Follow up"} <= set(descriptions)
    person = client.get(reverse("reports:person-summary"), {"search": data["person"].name})
    person_rows = html_rows(person)
    assert "Call A" in [r[3] for r in person_rows]
    assert "Visit B" not in [r[3] for r in person_rows]


def test_opportunity_details_history_tasks_and_planned(client, admin_user_, data):
    """Opportunity details: entries (stage history), tasks and the planned tasks of the
    following stages' activities."""
    client.force_login(admin_user_)
    response = client.get(
        reverse("reports:opportunity-details"), {"opportunity": data["opportunity"].pk}
    )
    sections = [r[0] for r in html_rows(response)]
    assert sections.count("Stage history") == 2
    assert "Task" in sections
    planned = [r for r in html_rows(response) if r[0] == "Planned task"]
    assert [(r[1], r[3]) for r in planned] == [("+1W", "Send offer")]


@pytest.mark.parametrize(("code", "columns", "width"), [("70x36", 3, 70), ("105x36", 2, 105)])
def test_r4_segment_labels_honour_size_and_columns(client, admin_user_, code, columns, width):
    """R-4: segment labels honour the chosen size and column count (SEG-52): 70 × 36 mm in 3
    columns, 105 × 36 mm in 2 columns; one label per contact."""
    segment = SegmentFactory()
    for _ in range(7):
        SegmentLineFactory(segment=segment, contact=CompanyFactory())
    client.force_login(admin_user_)
    response = client.get(
        reverse("reports:segment-labels", args=[segment.pk]), {"label_format": code}
    )
    body = response.content.decode()
    # crm.js sizes the cells from these attributes (the CSP forbids inline styles).
    assert f'data-width-mm="{width}" data-height-mm="36"' in body
    assert "/static/css/labels.css" in body
    table = body[body.index('class="label-sheet"') :]
    sheet_rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    per_row = [row.count('class="label"') for row in sheet_rows]
    assert per_row == [columns] * (7 // columns) + ([7 % columns] if 7 % columns else [])
    assert f'data-columns="{columns}"' in body


def test_r4_labels_use_active_alternate_address_and_country_format(client, admin_user_):
    """R-4 / SEG-52: the label carries name, company name (persons) and the address block in
    the country's format, taken from the alternate address active on the segment date."""
    setup = MarketingSetup.load()
    home = CountryFactory(code="FR", name="France")
    MarketingSetup.objects.filter(pk=setup.pk).update(default_country=home)
    abroad = CountryFactory(
        code="US", name="United States", address_format=AddressFormat.CITY_POST_CODE
    )
    person = PersonFactory(address="Home street 1", post_code="75002", city="Paris", country=home)
    alt = ContactAltAddressFactory(
        contact=person, address="Office 9", post_code="10001", city="New York", country=abroad
    )
    segment = SegmentFactory(date=dt.date(2030, 6, 1))
    ContactAltAddressDateRangeFactory(
        alt_address=alt, starting_date=dt.date(2030, 1, 1), ending_date=dt.date(2030, 12, 31)
    )
    other = CompanyFactory(address="Rue 2", post_code="69001", city="Lyon", country=home)
    SegmentLineFactory(segment=segment, contact=person, line_no=10000)
    SegmentLineFactory(segment=segment, contact=other, line_no=20000)
    client.force_login(admin_user_)
    rows = html_rows(client.get(reverse("reports:segment-labels", args=[segment.pk])))
    lines = [[line for line in row[1:] if line] for row in rows]
    assert lines[0] == [
        person.name,
        person.company_name,
        "Office 9",
        "New York 10001",
        "United States",
    ]
    assert lines[1] == [other.name, "Rue 2", "69001 Lyon"]
    # Outside the range the contact's own address is used.
    SegmentFactory._meta.model.objects.filter(pk=segment.pk).update(date=dt.date(2031, 1, 1))
    rows = html_rows(client.get(reverse("reports:segment-labels", args=[segment.pk])))
    assert "75002 Paris" in rows[0]


def test_contact_labels_formats(client, admin_user_):
    """Contact labels offer the SEG-52 sizes."""
    CompanyFactory(name="Acme Labels", search_name="ACME LABELS")
    client.force_login(admin_user_)
    response = client.get(
        reverse("reports:contact-labels"), {"label_format": "105x36", "search": "acme labels"}
    )
    assert response.context["label_format"].columns == 2
    assert html_rows(response)[0][1] == "Acme Labels"


def test_opportunity_analysis_pivot(client, admin_user_):
    """SPEC 10.8: active entries per salesperson × month of the estimated close date;
    measures count, values and averages; filters narrow the entries."""
    a, b = SalespersonFactory(code="AAA"), SalespersonFactory(code="BBB")
    cycle = SalesCycleFactory()
    year = timezone.localdate().year
    for salesperson, month, value in [(a, 1, 100), (a, 1, 300), (a, 3, 50), (b, 3, 10)]:
        opportunity = OpportunityFactory(sales_cycle=cycle, salesperson=salesperson)
        entry(
            opportunity,
            value=Decimal(value),
            close=dt.date(year, month, 15),
            probability_percent=40,
        )
    client.force_login(admin_user_)
    url = reverse("reports:opportunity-analysis")
    pivot = client.get(url, {"period": "month"}).context["pivot"]
    assert len(pivot.periods) == 12
    first = pivot.rows[0]
    assert first["cells"][0] == 2 and first["cells"][2] == 1 and first["total"] == 3
    assert pivot.totals[2] == 2 and pivot.grand_total == 4
    pivot = client.get(url, {"measure": "avg_estimated_value", "period": "quarter"}).context[
        "pivot"
    ]
    assert pivot.rows[0]["cells"][0] == Decimal("150.00")
    assert len(pivot.periods) == 4
    pivot = client.get(url, {"probability_from": 50}).context["pivot"]
    assert pivot.rows == []
    pivot = client.get(url, {"rows": "contact", "period": "year"}).context["pivot"]
    assert len(pivot.rows) == 4 and len(pivot.periods) == 1


def test_task_analysis_pivot(client, admin_user_):
    """SPEC 10.8: tasks per team × week of the task date; filters status, priority, closed,
    type."""
    team = TeamFactory()
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    TaskFactory(team=team, date=monday, priority="high")
    TaskFactory(team=team, date=monday + dt.timedelta(days=2), priority="low")
    TaskFactory(team=team, date=monday + dt.timedelta(days=7), is_closed=True, status="completed")
    client.force_login(admin_user_)
    url = reverse("reports:task-analysis")
    params = {
        "rows": "team",
        "period": "week",
        "date_from": monday.isoformat(),
        "date_to": (monday + dt.timedelta(days=13)).isoformat(),
    }
    pivot = client.get(url, params).context["pivot"]
    assert [r["cells"] for r in pivot.rows] == [[2, 1]]
    assert client.get(url, {**params, "closed": "no"}).context["pivot"].rows[0]["cells"] == [2, 0]
    assert client.get(url, {**params, "priority": "high"}).context["pivot"].grand_total == 1
    assert client.get(url, {**params, "type": "meeting"}).context["pivot"].rows == []
    assert (
        client.get(url, {**params, "period": "day", "date_to": "2999-01-01"})
        .context["pivot"]
        .too_many_periods
    )


def test_segment_statistics(client, admin_user_, data):
    """SPEC 5.1 derived: line count, total cost, total duration, criteria action count."""
    client.force_login(admin_user_)
    response = client.get(reverse("reports:segment-statistics"))
    row = next(r for r in html_rows(response) if r[0] == data["segment"].number)
    assert row[4] == "2" and row[5] in {"10.00", "10,00"} and row[7] == "0"
    assert reverse("reports:segment-labels", args=[data["segment"].pk]) in response.content.decode()


def test_dashboard_pipeline_reads_the_summary(client, admin_user_):
    """The dashboard's pipeline by stage and forecast come from the pipeline summary."""
    cycle = SalesCycleFactory()
    SalesCycleStageFactory(sales_cycle=cycle, stage=1)
    MarketingSetup.objects.update(default_sales_cycle=cycle)
    entry(OpportunityFactory(sales_cycle=cycle), value=Decimal(200))
    entry(OpportunityFactory(sales_cycle=cycle), value=Decimal(300), action_taken="won")
    client.force_login(admin_user_)
    response = client.get(reverse("home"))
    assert [
        (r["stage"], r["count"], r["estimated_value"]) for r in response.context["pipeline"]
    ] == [(1, 1, Decimal(200))]
    assert response.context["forecast"][0]["count"] == 1
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("home"))
    # No pipeline or forecast figure is aggregated from the entries (the admin has no
    # salesperson, so the "my opportunities" list, which reads entries, is not loaded).
    assert response.context["salesperson"] is None
    sqls = [q["sql"] for q in ctx.captured_queries]
    aggregates = [s for s in sqls if "SUM(" in s]
    assert len(aggregates) == 2  # pipeline by stage, forecast by month
    assert all("opportunitypipelinesummary" in s for s in aggregates)
    assert not [s for s in sqls if '"opportunities_opportunityentry"' in s]


def test_new_pages_in_french(client, admin_user_):
    client.force_login(admin_user_)
    with translation.override("en"):
        for name, label in [
            ("reports:opportunity-analysis", "Analyse des opportunités"),
            ("reports:contact-labels", "Étiquettes contacts"),
        ]:
            body = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
            assert label in body
