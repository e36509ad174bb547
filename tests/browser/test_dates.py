"""Date fields in French: the browser shows the stored date and a save keeps it unchanged.

A native ``<input type="date">`` discards a value that is not ISO; in French Django's own
widget rendered ``05/03/2026``, so the field came up empty and the save lost the date.
"""

import datetime as dt

import pytest

from opportunities.models import Task
from segments.models import Segment
from tests.factories.opportunities import TaskFactory
from tests.factories.segments import SegmentFactory

TASK_DATE = dt.date(2026, 3, 5)  # 05/03/2026 in French: day and month differ


def _french(page, live_server):
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_task_edit_in_french_shows_the_date_and_saves_it_unchanged(live_server, login, make_user):
    # given
    user = make_user("admin", groups=["Administrators"], is_staff=True)
    task = TaskFactory(date=TASK_DATE, description="Relance")
    page = login(user)
    _french(page, live_server)
    # when
    page.goto(f"{live_server.url}/opportunities/tasks/{task.pk}/edit/")
    assert page.locator("html").get_attribute("lang") == "fr"
    date_input = page.locator("input[name=date]")
    # then: the browser accepted the value (it empties one it cannot parse)
    assert date_input.get_attribute("type") == "date"
    assert date_input.input_value() == "2026-03-05"
    page.screenshot(path=".data/screenshot-dates-task-fr.png", full_page=True)
    page.fill("input[name=description]", "Relance client")
    with page.expect_navigation():
        page.locator("form input[type=submit], form button[type=submit]").last.click()
    task = Task.objects.get(pk=task.pk)
    assert task.description == "Relance client"
    assert task.date == TASK_DATE


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_segment_header_edit_in_french_keeps_its_date(live_server, login, make_user):
    # given
    user = make_user("admin", groups=["Administrators"], is_staff=True)
    segment = SegmentFactory(date=TASK_DATE, description="Salon")
    page = login(user)
    _french(page, live_server)
    # when
    page.goto(f"{live_server.url}/segments/{segment.pk}/update/")
    date_input = page.locator("input[name=date]")
    # then
    assert date_input.input_value() == "2026-03-05"
    page.fill("input[name=description]", "Salon de Lyon")
    with page.expect_navigation():
        page.locator("form input[type=submit], form button[type=submit]").last.click()
    segment = Segment.objects.get(pk=segment.pk)
    assert segment.description == "Salon de Lyon"
    assert segment.date == TASK_DATE
