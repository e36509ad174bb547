"""Logging a segment ends with one message per outcome: never "being logged in the
background" and "logged" shown together."""

import pytest
from django.urls import reverse

from segments.services import segment_line_add
from tests.factories.contacts import CompanyFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "logged", "background"),
    [("en", "logged (entry", "in the background"), ("fr", "enregistré", "arrière-plan")],
)
def test_segment_log_finished_at_once_shows_only_the_logged_message(
    client,
    marketing_user,
    new_segment,
    django_capture_on_commit_callbacks,
    language,
    logged,
    background,
):
    """SEG-40: when the job has finished by the time the job page opens, the next page shows
    the single "logged" message, not also "being logged in the background"."""
    # given
    segment = new_segment(
        template=InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy"),
        salesperson=SalespersonFactory(),
    )
    segment_line_add(segment=segment, contact=CompanyFactory())
    client.force_login(marketing_user)
    # when: the job runs at commit (a quick worker), then the browser follows the redirects
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("segments:segment-log", args=[segment.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    final = client.get(response.url, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    # then
    shown = [str(m) for m in final.context["messages"]]
    assert len(shown) == 1, shown
    assert segment.number in shown[0] and logged in shown[0]
    assert not any(background in text for text in shown)
