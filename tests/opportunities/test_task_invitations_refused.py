"""TSK-18: sending meeting invitations is refused without an interaction template, a
description, a start time or a location; the refusal is in the user's language."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from interactions.models import InteractionLogEntry, InteractionTemplateSetup
from opportunities import task_services as ts
from opportunities.models import Task
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.opportunities import number_series_setup
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db

REFUSALS = {
    "en": [
        "Set up an interaction template for meeting invitations",
        "The description is required.",
        "A meeting needs a start time and a duration.",
        "The meeting needs a location before invitations are sent.",
    ],
    "fr": [
        "Paramétrez un modèle d’interaction pour les invitations aux réunions",
        "La description est obligatoire.",
        "Une réunion nécessite une heure de début et une durée.",
        "La réunion doit avoir un lieu avant l'envoi des invitations.",
    ],
}


@pytest.fixture
def meeting(sales_user):
    number_series_setup()
    task = ts.task_create(
        description="Kick-off",
        type="meeting",
        date=dt.date(2030, 5, 6),
        start_time=dt.time(10, 0),
        duration_min=90,
        location="Room 1",
        salesperson=SalespersonFactory(user=sales_user),
    )
    ts.attendee_add(task=task, contact=CompanyFactory(email="guest@example.test"))
    return task


@pytest.mark.parametrize("language", ["en", "fr"])
def test_tsk18_invitations_refused_without_template_description_start_or_location(
    client, sales_user, meeting, language
):
    """TSK-18: a meeting with neither a template (task or meeting_invitation slot) nor a
    description, a start time or a location: "Send invitations" names every missing item in
    the user's language, sends nothing and marks nobody invited."""
    # given
    Task.objects.filter(pk=meeting.pk).update(description="", start_time=None, location="")
    client.force_login(sales_user)
    # when
    response = client.post(
        reverse("opportunities:task-invitations", args=[meeting.pk]),
        {"mode": "all"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    # then
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    for refusal in REFUSALS[language]:
        assert refusal in message
    assert mail.outbox == []
    assert not meeting.attendees.filter(invitation_sent_at__isnull=False).exists()
    assert not InteractionLogEntry.objects.exists()


@pytest.mark.parametrize("missing", ["template", "location"])
def test_tsk18_each_missing_item_alone_refuses(meeting, missing):
    """TSK-18: the template alone, or the location alone, missing is enough to refuse."""
    # given
    if missing == "location":
        Task.objects.filter(pk=meeting.pk).update(template=InteractionTemplateFactory())
        Task.objects.filter(pk=meeting.pk).update(location="")
    meeting.refresh_from_db()
    # when / then
    with pytest.raises(ValidationError, match=REFUSALS["en"][0 if missing == "template" else 3]):
        ts.meeting_send_invitations(task=meeting, mode="all")
    assert mail.outbox == []


def test_tsk18_with_the_slot_template_invitations_are_sent(meeting):
    """TSK-18/24: with the meeting_invitation slot filled, the same meeting is sent and logged."""
    # given
    setup = InteractionTemplateSetup.load()
    setup.meeting_invitation = InteractionTemplateFactory()
    setup.save()
    # when
    sent = ts.meeting_send_invitations(task=meeting, mode="all")
    # then
    assert sent == 1 and mail.outbox[0].to == ["guest@example.test"]
    assert InteractionLogEntry.objects.get().template == setup.meeting_invitation
