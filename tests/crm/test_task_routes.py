"""Heavy jobs are routed to the "bulk" queue, interactive tasks stay on "default"."""

import pytest
from django.conf import settings

from crm.celery import app

# Importing the task modules fires Celery's Django fixup, which runs the system checks as a
# worker does at start; the checks of the generated search columns ask the server its version.
pytestmark = pytest.mark.django_db


def _queue(name: str) -> str:
    route = app.amqp.router.route({}, name, args=(), kwargs={})
    return route["queue"].name


def test_every_bulk_task_exists_and_goes_to_the_bulk_queue():
    app.loader.import_default_modules()
    for name in settings.BULK_TASKS:
        assert name in app.tasks, name
        assert _queue(name) == "bulk", name


def test_interactive_tasks_stay_on_the_default_queue():
    app.loader.import_default_modules()
    for name in (
        "interactions.tasks.interaction_deliver_task",
        "maillog.tasks.email_logging_poll_task",
        "crm.tasks.healthcheck_task",
    ):
        assert name in app.tasks, name
        assert _queue(name) == "default", name
