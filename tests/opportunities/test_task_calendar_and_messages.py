"""The calendar shows every task the user owns (team copies and attended meetings included,
SPEC 8 / TSK-10 / TSK-21), and every create says so once, in the user's language."""

import datetime as dt

import pytest
from django.urls import reverse

from opportunities import task_services as ts
from opportunities.models import Task
from tests.factories.opportunities import (
    ActivityFactory,
    ActivityStepFactory,
    number_series_setup,
    team_with_members,
)
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 12)


@pytest.fixture
def me(sales_user):
    number_series_setup()
    return SalespersonFactory(user=sales_user)


def _shown(response) -> set[str]:
    return {
        task.description
        for _week in response.context["grid"]["weeks"]
        for _d, tasks in _week
        for task in tasks
    }


def test_calendar_mine_shows_own_tasks_team_copies_and_attended_meetings(
    client, sales_user, me, django_assert_max_num_queries
):
    """SPEC 8: "My tasks" on the calendar lists my own task, my copy of a team task (TSK-10)
    and a meeting I attend (TSK-21), not other people's tasks; "All tasks" lists every task
    once (team task without its member copies)."""
    # given
    other = SalespersonFactory()
    ts.task_create(description="Own call", date=DAY, salesperson=me)
    ts.task_create(description="Team follow-up", date=DAY, team=team_with_members(me, other))
    meeting = ts.task_create(
        description="Their meeting",
        type="meeting",
        date=DAY,
        start_time=dt.time(9, 0),
        duration_min=30,
        salesperson=other,
    )
    ts.attendee_add(task=meeting, salesperson=me)
    ts.task_create(description="Someone else's", date=DAY, salesperson=other)
    client.force_login(sales_user)
    # when
    with django_assert_max_num_queries(10):
        mine = client.get(reverse("opportunities:task-calendar"), {"year": 2030, "month": 3})
    everyone = client.get(
        reverse("opportunities:task-calendar"), {"year": 2030, "month": 3, "all": "1"}
    )
    # then
    assert _shown(mine) == {"Own call", "Team follow-up", "Their meeting"}
    copy = Task.objects.get(description="Team follow-up", salesperson=me)
    assert copy.team_task_id is not None
    assert f'data-task="{copy.number}"' in mine.content.decode()
    assert _shown(everyone) == {"Own call", "Team follow-up", "Their meeting", "Someone else's"}
    team_rows = [
        t
        for _w in everyone.context["grid"]["weeks"]
        for _d, ts_ in _w
        for t in ts_
        if t.description == "Team follow-up"
    ]
    assert len(team_rows) == 1 and team_rows[0].team_task_id is None
    # the month links keep the "all" choice
    assert "all=1" in everyone.content.decode().split("Next")[0]


def test_calendar_mine_without_salesperson_shows_nothing(client, make_user):
    """A user without a salesperson sees an explanation, not everybody's tasks."""
    number_series_setup()
    ts.task_create(description="Someone's", date=DAY, salesperson=SalespersonFactory())
    user = make_user("nobody-sp", groups=["Sales"])
    client.force_login(user)
    response = client.get(
        reverse("opportunities:task-calendar"),
        {"year": 2030, "month": 3},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert _shown(response) == set()
    assert "aucune tâche à afficher" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Task {} created."), ("fr", "Tâche {} créée.")]
)
def test_task_create_says_created(client, sales_user, me, language, text):
    """A new task is announced once, with its number, in the user's language."""
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:task-create"),
        {
            "description": "Call back",
            "date": "2030-03-12",
            "salesperson": me.pk,
            "priority": "normal",
        },
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    task = Task.objects.get(description="Call back")
    assert [str(m) for m in response.context["messages"]] == [text.format(task.number)]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Activity ONBOARD assigned: 2 tasks created."),
        ("fr", "Activité ONBOARD affectée : 2 tâches créées."),
    ],
)
def test_activity_assign_says_how_many_tasks(client, sales_user, me, language, text):
    """TSK-30: assigning an activity is announced once, in the user's language (the message
    was built at import time, hence always English)."""
    activity = ActivityFactory(code="ONBOARD")
    ActivityStepFactory(activity=activity, description="Call", date_formula="")
    ActivityStepFactory(activity=activity, description="Letter", date_formula="+1W")
    client.force_login(sales_user)
    response = client.post(
        reverse("opportunities:activity-assign"),
        {"activity": activity.pk, "start_date": "2030-03-01", "salesperson": me.pk},
        HTTP_ACCEPT_LANGUAGE=language,
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [text]
    assert sorted(Task.objects.values_list("date", flat=True)) == [
        dt.date(2030, 3, 1),
        dt.date(2030, 3, 8),
    ]
