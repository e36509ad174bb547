"""Assign an activity and create a team task in a real browser, in English and in French,
then find the tasks on the calendar and read them back from the database (SPEC 8, TSK-10,
TSK-30)."""

import datetime as dt

import pytest

from opportunities.models import Task
from tests.factories.opportunities import (
    ActivityFactory,
    ActivityStepFactory,
    number_series_setup,
    team_with_members,
)
from tests.factories.setup import SalespersonFactory

START = dt.date(2026, 3, 2)

TEXTS = {
    "en": {
        "assigned": "Activity ONBOARD assigned: 2 tasks created.",
        "created": "Task {} created.",
    },
    "fr": {
        "assigned": "Activité ONBOARD affectée : 2 tâches créées.",
        "created": "Tâche {} créée.",
    },
}


def _submit(page):
    with page.expect_navigation():
        page.locator("form input[type=submit], form button[type=submit]").last.click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_assign_activity_and_team_task_then_see_them_on_the_calendar(
    live_server, login, make_user, language
):
    """TSK-30: activity steps "call +0D", "letter +1W" from 2026-03-02 give tasks on 03-02 and
    03-09; TSK-10: a team task gives me my own copy; "My tasks" on the calendar shows all
    three; each create says so once in the user's language."""
    # given
    number_series_setup()
    user = make_user("seller", groups=["Sales"])
    me = SalespersonFactory(user=user, code="SAM")
    team = team_with_members(me, SalespersonFactory())
    activity = ActivityFactory(code="ONBOARD", description="Onboarding")
    ActivityStepFactory(activity=activity, description="Welcome call", date_formula="")
    ActivityStepFactory(activity=activity, description="Welcome letter", date_formula="+1W")
    page = login(user)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    # when: assign the activity to me
    page.goto(f"{live_server.url}/opportunities/tasks/activity/")
    assert page.locator("html").get_attribute("lang") == language
    page.select_option("#id_activity", str(activity.pk))
    page.fill("#id_start_date", START.isoformat())
    page.select_option("#id_salesperson", str(me.pk))
    _submit(page)
    assert TEXTS[language]["assigned"] in page.locator(".alert").first.inner_text()
    # and create a team task
    page.goto(f"{live_server.url}/opportunities/tasks/new/")
    page.fill("#id_description", "Team review")
    page.fill("#id_date", "2026-03-20")
    page.select_option("#id_salesperson", "")
    page.select_option("#id_team", str(team.pk))
    _submit(page)
    team_task = Task.objects.get(description="Team review", team_task__isnull=True)
    assert (
        TEXTS[language]["created"].format(team_task.number)
        in page.locator(".alert").first.inner_text()
    )
    # then: the calendar of March 2026 shows the three tasks that are mine
    page.goto(f"{live_server.url}/opportunities/tasks/calendar/?year=2026&month=3")
    calendar = page.locator("table").first
    for description in ("Welcome call", "Welcome letter", "Team review"):
        assert calendar.get_by_text(description).count() == 1, description
    page.screenshot(path=f".data/screenshot-task-calendar-{language}.png", full_page=True)
    mine = Task.objects.filter(salesperson=me).order_by("date")
    assert [(t.description, t.date) for t in mine] == [
        ("Welcome call", START),
        ("Welcome letter", START + dt.timedelta(weeks=1)),
        ("Team review", dt.date(2026, 3, 20)),
    ]
    copy = mine.get(description="Team review")
    assert copy.team_task_id == team_task.pk and team_task.team_id == team.pk
    assert team_task.member_copies.count() == 2
