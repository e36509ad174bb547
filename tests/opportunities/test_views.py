import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opportunities import services
from opportunities import task_services as ts
from opportunities.models import Opportunity, OpportunityEntry, Task
from opportunities.selectors import forecast_by_month, pipeline_board
from setup.models import MarketingSetup
from tests.factories.contacts import CompanyFactory
from tests.factories.opportunities import (
    CloseOpportunityCodeFactory,
    cycle_with_stages,
    number_series_setup,
    started_opportunity,
)
from tests.factories.setup import CurrencyFactory, SalespersonFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _series(db):
    number_series_setup()


@pytest.fixture
def me(sales_user):
    return SalespersonFactory(user=sales_user)


_started = started_opportunity


@pytest.mark.parametrize("rows", [1, 30])
def test_opportunity_list_queries_do_not_grow(
    client, sales_user, me, django_assert_max_num_queries, rows
):
    cycle = cycle_with_stages(2)
    for _ in range(rows):
        _started(cycle, me)
    client.force_login(sales_user)
    with django_assert_max_num_queries(10):  # 9 + the base currency code (uncached: 1st page)
        response = client.get(reverse("opportunities:index"))
    assert response.status_code == 200
    assert len(response.context["object_list"]) == rows
    assert response.context["object_list"][0].active_entries[0].stage == 1


def test_opportunity_list_htmx_partial_and_filter(client, sales_user, me):
    cycle = cycle_with_stages(2)
    keep = _started(cycle, me)
    services.opportunity_create(
        description="Other", contact=CompanyFactory(), salesperson=me, sales_cycle=cycle
    )
    client.force_login(sales_user)
    response = client.get(
        reverse("opportunities:index"), {"status": "in_progress"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert list(response.context["object_list"]) == [Opportunity.objects.get(pk=keep.pk)]


@pytest.mark.parametrize("rows", [1, 30])
def test_pipeline_board_queries_do_not_grow(
    client, sales_user, me, django_assert_max_num_queries, rows
):
    cycle = cycle_with_stages(3)
    for _ in range(rows):
        _started(cycle, me)
    client.force_login(sales_user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("opportunities:pipeline"), {"cycle": cycle.pk})
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c["count"] for c in columns] == [rows, 0, 0]
    assert len(columns[0]["cards"]) == min(rows, 25)


@pytest.mark.parametrize("name", ["opportunities:index", "opportunities:pipeline"])
def test_amounts_show_the_base_currency_with_one_cached_lookup(client, sales_user, me, name):
    """Every amount of a page carries the base currency code; the code costs one query on
    the first page and none once cached (not one per row)."""
    # given: 30 opportunities, base currency CHF
    setup = MarketingSetup.load()
    setup.base_currency = CurrencyFactory(code="CHF")
    setup.save()
    cycle = cycle_with_stages(2)
    for _ in range(30):
        _started(cycle, me)
    client.force_login(sales_user)

    def currency_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name), {"cycle": cycle.pk})
        body = response.content.decode()
        return body, [q for q in ctx.captured_queries if '"setup_currency"' in q["sql"]]

    # when
    first, first_lookups = currency_queries()
    second, second_lookups = currency_queries()
    # then
    assert (
        first.count('<span class="currency-code">CHF</span>') >= 25
    )  # the board shows 25 cards a stage
    assert (len(first_lookups), len(second_lookups)) == (1, 0)
    assert (
        second.count('<span class="currency-code">CHF</span>') >= 25
    )  # the board shows 25 cards a stage


def test_pipeline_move_applies_update_rules_and_shows_refusals(client, sales_user, me):
    cycle = cycle_with_stages(3)
    cycle.stages.filter(stage=2).update(is_quote_required=True)
    opportunity = _started(cycle, me)
    client.force_login(sales_user)
    url = reverse("opportunities:pipeline-move")
    response = client.post(
        url,
        {"opportunity": opportunity.pk, "to_stage": 2, "cycle": cycle.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"Stage 2 requires a sales quote" in response.content
    cycle.stages.filter(stage=2).update(is_quote_required=False)
    client.post(
        url,
        {"opportunity": opportunity.pk, "to_stage": 2, "cycle": cycle.pk},
        HTTP_HX_REQUEST="true",
    )
    assert OpportunityEntry.objects.get(opportunity=opportunity, is_active=True).stage == 2


def test_forecast_sums_weighted_value_by_month(client, sales_user, me):
    cycle = cycle_with_stages(2)
    _started(cycle, me, Decimal(1000))
    _started(cycle, me, Decimal(3000))
    lost = _started(cycle, me, Decimal(5000))
    services.opportunity_close(
        opportunity=lost,
        close_type="lost",
        close_code=CloseOpportunityCodeFactory(type="lost"),
        date_of_change=TODAY,
    )
    [row] = forecast_by_month(cycle=cycle)
    assert row["count"] == 2 and row["estimated_value"] == Decimal(4000)
    assert row["weighted_value"] == Decimal(800)
    client.force_login(sales_user)
    assert client.get(reverse("opportunities:forecast")).status_code == 200
    assert pipeline_board(cycle=cycle)[0]["count"] == 2


def test_opportunity_pages_render_and_wizard_posts(client, sales_user, me):
    cycle = cycle_with_stages(2)
    client.force_login(sales_user)
    contact = CompanyFactory()
    response = client.post(
        reverse("opportunities:opportunity-create"),
        {
            "description": "Via page",
            "contact": contact.pk,
            "salesperson": me.pk,
            "sales_cycle": cycle.pk,
            "priority": "normal",
        },
    )
    opportunity = Opportunity.objects.get(description="Via page")
    assert response.status_code == 302
    detail = reverse("opportunities:opportunity-detail", args=[opportunity.pk])
    assert client.get(detail).status_code == 200
    update = reverse("opportunities:opportunity-update", args=[opportunity.pk])
    assert client.get(update).status_code == 200
    response = client.post(
        update, {"action": "first", "date_of_change": TODAY, "estimated_value": "0"}
    )
    assert response.status_code == 200
    assert b"greater than 0" in response.content
    response = client.post(
        update, {"action": "first", "date_of_change": TODAY, "estimated_value": "100"}
    )
    assert response.status_code == 302
    close = reverse("opportunities:opportunity-close", args=[opportunity.pk])
    assert client.get(close).status_code == 200
    response = client.post(
        close,
        {
            "close_type": "lost",
            "close_code": CloseOpportunityCodeFactory(type="lost").pk,
            "date_of_change": TODAY,
        },
    )
    assert response.status_code == 302
    assert Opportunity.objects.get(pk=opportunity.pk).status == "lost"
    assert client.get(reverse("opportunities:salescycle-list")).status_code == 200
    assert (
        client.get(reverse("opportunities:salescycle-detail", args=[cycle.pk])).status_code == 200
    )


@pytest.mark.parametrize("rows", [1, 30])
def test_task_lists_queries_do_not_grow(
    client, sales_user, me, django_assert_max_num_queries, rows
):
    for i in range(rows):
        ts.task_create(description=f"T{i}", date=TODAY, salesperson=me, contact=CompanyFactory())
    client.force_login(sales_user)
    for name in ("opportunities:task-index", "opportunities:task-list"):
        with django_assert_max_num_queries(9):
            response = client.get(reverse(name))
        assert response.status_code == 200
        assert len(response.context["object_list"]) == rows


def test_task_pages(client, sales_user, me):
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:task-create"),
        {
            "type": "meeting",
            "description": "Meet",
            "date": "2030-01-02",
            "start_time": "10:00",
            "duration_min": 30,
            "salesperson": me.pk,
            "priority": "normal",
            "location": "HQ",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get(description="Meet")
    detail = reverse("opportunities:task-detail", args=[task.pk])
    assert client.get(detail).status_code == 200
    guest = CompanyFactory(email="guest@example.test")
    client.post(
        reverse("opportunities:task-attendee-add", args=[task.pk]),
        {"contact": guest.pk, "attendance": "required", "send_invitation": "on"},
    )
    from tests.factories.interactions import InteractionTemplateFactory

    Task.objects.filter(pk=task.pk).update(template=InteractionTemplateFactory())  # TSK-18
    client.post(reverse("opportunities:task-invitations", args=[task.pk]), {"mode": "all"})
    assert task.attendees.get(contact=guest).invitation_sent_at is not None
    assert client.get(reverse("opportunities:task-update", args=[task.pk])).status_code == 200
    client.post(reverse("opportunities:task-cancel", args=[task.pk]))
    assert Task.objects.get(pk=task.pk).is_canceled
    response = client.get(
        reverse("opportunities:task-calendar"), {"year": 2030, "month": 1, "all": "1"}
    )
    assert response.status_code == 200 and b"Meet" in response.content
    assert client.get(reverse("opportunities:activity-assign")).status_code == 200
    client.post(reverse("opportunities:task-delete", args=[task.pk]))
    assert not Task.objects.filter(pk=task.pk).exists()


@pytest.mark.parametrize(
    ("action", "data", "form", "field"),
    [
        ("task-close", {"completed_by": "999999"}, "close_form", "completed_by"),
        ("task-attendee-add", {"attendance": "maybe"}, "attendee_form", "attendance"),
        ("task-invitations", {"mode": "everyone"}, "invitation_form", "mode"),
    ],
)
def test_task_action_with_an_invalid_form_shows_its_errors(
    client, sales_user, me, action, data, form, field
):
    """An invalid form of a task action re-renders the task page with the form's errors
    (status 200) instead of acting on defaults."""
    # given
    task = ts.task_create(
        type="meeting",
        description="Meet",
        date=TODAY,
        start_time=dt.time(10),
        duration_min=30,
        salesperson=me,
    )
    client.force_login(sales_user)
    # when
    response = client.post(reverse(f"opportunities:{action}", args=[task.pk]), data)
    # then
    assert response.status_code == 200
    assert response.templates[0].name == "opportunities/task_detail.html"
    bound = response.context[form]
    assert bound.is_bound and field in bound.errors
    assert bound.errors[field][0] in response.content.decode()
    task.refresh_from_db()
    assert not task.is_closed
    assert not task.attendees.exclude(salesperson=me).exists()
    assert not task.attendees.filter(invitation_sent_at__isnull=False).exists()


def test_stranger_without_permission_gets_403(client, make_user):
    client.force_login(make_user("nobody"))
    assert client.get(reverse("opportunities:index")).status_code == 403
    assert client.get(reverse("opportunities:task-index")).status_code == 403


def test_team_task_created_on_page_fans_out(client, sales_user, me):
    from tests.factories.opportunities import team_with_members

    team = team_with_members(SalespersonFactory(), SalespersonFactory())
    client.force_login(sales_user)
    client.post(
        reverse("opportunities:task-create"),
        {
            "type": "",
            "description": "For team",
            "date": dt.date(2030, 1, 1),
            "team": team.pk,
            "priority": "normal",
        },
    )
    assert (
        Task.objects.get(description="For team", team_task__isnull=True).member_copies.count() == 2
    )
