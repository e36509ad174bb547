"""Logging a segment as a background job (SEG-40..42, SPEC 5.5): the request only checks and
queues; the job logs once, whatever the number of deliveries."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from crm.exceptions import ApplicationError
from crm.models import BulkJob, BulkJobStatus
from interactions.models import InteractionLogEntry
from segments.models import LoggedSegment, Segment
from segments.services import (
    LOG_JOB_KIND,
    segment_criteria_start,
    segment_line_add,
    segment_log,
    segment_log_job_run,
    segment_log_start,
    segment_update,
)
from segments.tasks import segment_log_task
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_segment(new_segment):
    template = InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy")
    segment = new_segment(template=template, salesperson=SalespersonFactory())
    for contact in (CompanyFactory(), PersonFactory(), CompanyFactory()):
        segment_line_add(segment=segment, contact=contact)
    return segment


@pytest.fixture
def marketing_client(client, marketing_user):
    client.force_login(marketing_user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# -- services -----------------------------------------------------------------------------------


def test_start_queues_a_job_after_commit_and_marks_the_segment_busy(
    ready_segment, marketing_user, django_capture_on_commit_callbacks
):
    """The start only checks and queues: a job with the options and the segment number, the
    segment busy, one task sent on commit and nothing logged yet."""
    with django_capture_on_commit_callbacks() as callbacks:
        job = segment_log_start(segment=ready_segment, user=marketing_user, follow_up=True)
    ready_segment.refresh_from_db()
    assert len(callbacks) == 1
    assert job.kind == LOG_JOB_KIND
    assert job.status == BulkJobStatus.QUEUED
    assert (job.target_type, job.target_id) == ("segments.segment", ready_segment.pk)
    assert job.total == 3
    assert job.params["send"] is False
    assert job.params["follow_up"] is True
    assert job.params["segment_number"] == ready_segment.number
    assert ready_segment.running_job_id == job.pk
    assert not LoggedSegment.objects.exists()
    with pytest.raises(ApplicationError, match="busy"):
        segment_log(segment=ready_segment, user=marketing_user)
    with pytest.raises(ApplicationError, match="busy"):
        segment_log_start(segment=ready_segment, user=marketing_user)


@pytest.mark.parametrize("problem", ["description", "lines", "logged"])
def test_start_refuses_bad_input_before_queueing(
    new_segment, ready_segment, marketing_user, problem, django_capture_on_commit_callbacks
):
    """SEG-40: no description, no line or a number logged already is refused by the start
    with its message; no job is created and the segment stays free."""
    segment = ready_segment
    if problem == "description":
        segment = segment_update(segment=segment, data={"description": ""})
        expected = "You must fill in the description"
    elif problem == "lines":
        segment = new_segment(template=InteractionTemplateFactory(code="EMPTY"))
        expected = "has no lines with a contact"
    else:
        LoggedSegment.objects.create(segment_number=segment.number, description="Earlier")
        expected = "has already been logged"
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as exc:
        segment_log_start(segment=segment, user=marketing_user)
    assert expected in " ".join(exc.value.messages)
    assert not callbacks
    assert not BulkJob.objects.exists()
    assert Segment.objects.get(pk=segment.pk).running_job_id is None


def test_start_with_send_checks_the_email_addresses(new_segment, marketing_user):
    """SEG-40 with send: an e-mail line without an address is refused before queueing."""
    segment = new_segment(
        template=InteractionTemplateFactory(code="MAIL", correspondence_type="email"),
        salesperson=SalespersonFactory(),
    )
    segment_line_add(segment=segment, contact=CompanyFactory(email="", correspondence_type="email"))
    with pytest.raises(ValidationError, match="no e-mail address"):
        segment_log_start(segment=segment, user=marketing_user, send=True)
    assert not BulkJob.objects.exists()


def test_job_run_logs_once_when_delivered_twice(
    ready_segment, marketing_user, django_capture_on_commit_callbacks
):
    """Tasks are idempotent: running the job twice (a redelivered message) logs the segment
    once, one interaction per line, and keeps the first result."""
    number = ready_segment.number
    job = segment_log_start(segment=ready_segment, user=marketing_user)
    with django_capture_on_commit_callbacks(execute=True):
        segment_log_job_run(job_id=job.pk)
    job.refresh_from_db()
    first_result = dict(job.result)
    segment_log_job_run(job_id=job.pk)  # redelivery
    segment_log_task(job.pk)  # and once more through the task
    job.refresh_from_db()
    logged = LoggedSegment.objects.get()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert job.result == first_result
    assert job.result == {
        "logged_segment": logged.pk,
        "entry_no": logged.entry_no,
        "segment_number": number,
        "lines": 3,
        "follow_up": None,
    }
    assert (job.done, job.total) == (3, 3)
    assert job.started_at is not None
    assert InteractionLogEntry.objects.filter(logged_segment=logged).count() == 3
    assert InteractionLogEntry.objects.filter(segment_number=number).count() == 3
    assert not Segment.objects.filter(number=number).exists()
    assert logged.user == marketing_user


def test_job_run_creates_the_follow_up_segment(ready_segment, marketing_user):
    """SG-20 through the job: the follow-up segment is in the result, with every contact."""
    contacts = set(ready_segment.lines.values_list("contact_id", flat=True))
    job = segment_log_start(segment=ready_segment, user=marketing_user, follow_up=True)
    segment_log_job_run(job_id=job.pk)
    job.refresh_from_db()
    follow_up = Segment.objects.get(pk=job.result["follow_up"])
    assert follow_up.description == f"Follow-up on segment {job.params['segment_number']}"
    assert set(follow_up.lines.values_list("contact_id", flat=True)) == contacts
    assert follow_up.running_job_id is None


def test_job_run_translates_in_the_language_of_the_request(ready_segment, marketing_user):
    """The worker writes the follow-up description in the language the user logged in."""
    with translation.override("fr"):
        job = segment_log_start(segment=ready_segment, user=marketing_user, follow_up=True)
    segment_log_job_run(job_id=job.pk)
    job.refresh_from_db()
    follow_up = Segment.objects.get(pk=job.result["follow_up"])
    assert follow_up.description == f"Suivi du segment {job.params['segment_number']}"


def test_job_run_failure_frees_the_segment_with_the_message(ready_segment, marketing_user):
    """A precondition broken between start and run (a contact became privacy-blocked) fails
    the job with the clear message, logs nothing and frees the segment."""
    job = segment_log_start(segment=ready_segment, user=marketing_user)
    contact = ready_segment.lines.order_by("line_no").first().contact
    type(contact).objects.filter(pk=contact.pk).update(is_privacy_blocked=True)
    segment_log_job_run(job_id=job.pk)
    job.refresh_from_db()
    ready_segment.refresh_from_db()
    assert job.status == BulkJobStatus.FAILED
    assert "blocked due to privacy" in job.error
    assert ready_segment.running_job_id is None
    assert not LoggedSegment.objects.exists()
    assert not InteractionLogEntry.objects.exists()


def test_job_run_when_segment_was_logged_elsewhere_succeeds_with_that_logged_segment(
    ready_segment, marketing_user
):
    """A job whose segment is gone finishes with the LoggedSegment of its number; without
    one it fails with "no longer exists"."""
    job = segment_log_start(segment=ready_segment, user=marketing_user)
    Segment.objects.filter(pk=ready_segment.pk).update(running_job=None)
    logged, _job, _follow = segment_log(segment=ready_segment, user=marketing_user)
    segment_log_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED
    assert job.result["logged_segment"] == logged.pk
    assert job.result["lines"] == 3

    other = BulkJob.objects.create(
        kind=LOG_JOB_KIND,
        target_type="segments.segment",
        target_id=ready_segment.pk,
        params={"segment_number": "SG999999"},
    )
    segment_log_job_run(job_id=other.pk)
    other.refresh_from_db()
    assert other.status == BulkJobStatus.FAILED
    assert "no longer exists" in other.error


def test_segment_log_lets_only_its_own_job_through(ready_segment, marketing_user):
    """``segment_log(job_id=…)`` passes the busy check only for the segment's running job."""
    criteria_job = segment_criteria_start(
        segment=ready_segment, user=marketing_user, action="add", filters={}
    )
    with pytest.raises(ApplicationError, match="busy"):
        segment_log(segment=ready_segment, user=marketing_user, job_id=criteria_job.pk + 1)
    logged, _job, _follow = segment_log(
        segment=ready_segment, user=marketing_user, job_id=criteria_job.pk
    )
    assert logged.segment_number == ready_segment.number


# -- views --------------------------------------------------------------------------------------


def test_log_post_starts_a_job_and_returns_at_once(
    marketing_client, ready_segment, django_capture_on_commit_callbacks
):
    """The log button queues a job and answers with the job page; nothing is logged in the
    request (the task is only sent on commit)."""
    url = reverse("segments:segment-log", args=[ready_segment.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = marketing_client.post(url, {"follow_up": "on"})
    job = BulkJob.objects.get(kind=LOG_JOB_KIND)
    assert len(callbacks) == 1
    assert response.status_code == 302
    assert response.url == reverse("segments:log-job", args=[job.pk])
    assert job.params["follow_up"] is True
    assert Segment.objects.get(pk=ready_segment.pk).running_job_id == job.pk
    assert not LoggedSegment.objects.exists()
    # the job page (and the segment card) show the progress and poll the job URL
    page = marketing_client.get(response.url)
    assert page.status_code == 200
    assert response.url in page.content.decode()
    assert f"Logging segment {ready_segment.number}" in page.content.decode()
    card = marketing_client.get(reverse("segments:segment-detail", args=[ready_segment.pk]))
    assert response.url in card.content.decode()
    poll = marketing_client.get(response.url, headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert b"<html" not in poll.content


def test_log_post_htmx_gets_a_client_redirect(
    marketing_client, ready_segment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        response = marketing_client.post(
            reverse("segments:segment-log", args=[ready_segment.pk]), headers={"HX-Request": "true"}
        )
    job = BulkJob.objects.get(kind=LOG_JOB_KIND)
    assert response["HX-Redirect"] == reverse("segments:log-job", args=[job.pk])


def test_log_post_refused_in_the_request_with_the_message(
    marketing_client, ready_segment, django_capture_on_commit_callbacks
):
    """SEG-40: a segment without description is refused at once, on the log form (its
    choices kept), no job."""
    segment = segment_update(segment=ready_segment, data={"description": ""})
    with django_capture_on_commit_callbacks() as callbacks:
        response = marketing_client.post(
            reverse("segments:segment-log", args=[segment.pk]), {"send": "on"}
        )
    assert response.status_code == 200
    assert "You must fill in the description." in response.content.decode()
    assert response.context["form"]["send"].value() is True
    assert not callbacks
    assert not BulkJob.objects.exists()


@pytest.mark.parametrize("follow_up", [False, True])
def test_finished_log_job_sends_the_user_on(
    marketing_client, ready_segment, follow_up, django_capture_on_commit_callbacks
):
    """Once the job succeeded the job URL sends the user to the follow-up segment, else to
    the logged segments, with "Segment … logged (entry …)."; htmx polls get HX-Redirect."""
    number = ready_segment.number
    data = {"follow_up": "on"} if follow_up else {}
    with django_capture_on_commit_callbacks(execute=True):  # the eager task runs on commit
        response = marketing_client.post(
            reverse("segments:segment-log", args=[ready_segment.pk]), data
        )
    job = BulkJob.objects.get(kind=LOG_JOB_KIND)
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    logged = LoggedSegment.objects.get()
    if follow_up:
        expected = reverse("segments:segment-detail", args=[job.result["follow_up"]])
    else:
        expected = reverse("segments:loggedsegment-list")
    page = marketing_client.get(response.url)
    assert page.status_code == 302
    assert page.url == expected
    assert f"Segment {number} logged (entry {logged.entry_no})." in _messages(page)
    poll = marketing_client.get(response.url, headers={"HX-Request": "true"})
    assert poll["HX-Redirect"] == expected


def test_failed_log_job_shows_the_error_and_stops_polling(
    marketing_client, ready_segment, marketing_user
):
    job = segment_log_start(segment=ready_segment, user=marketing_user)  # its owner looks
    contact = ready_segment.lines.order_by("line_no").first().contact
    type(contact).objects.filter(pk=contact.pk).update(is_privacy_blocked=True)
    segment_log_job_run(job_id=job.pk)
    url = reverse("segments:log-job", args=[job.pk])
    page = marketing_client.get(url)
    assert page.status_code == 200
    assert "blocked due to privacy" in page.content.decode()
    poll = marketing_client.get(url, headers={"HX-Request": "true"})
    assert poll.status_code == 286
    assert "blocked due to privacy" in poll.content.decode()


def test_log_job_url_only_serves_log_jobs_and_needs_the_permission(
    client, marketing_client, make_user, ready_segment, marketing_user
):
    """The log job URL answers 404 for other job kinds, 403 without the segment permission
    and sends anonymous users to the login page."""
    criteria_job = segment_criteria_start(
        segment=ready_segment, user=marketing_user, action="add", filters={}
    )
    log_job = BulkJob.objects.create(
        kind=LOG_JOB_KIND,
        target_type="segments.segment",
        target_id=ready_segment.pk,
        params={"segment_number": ready_segment.number},
        started_by=marketing_user,  # job pages are for their owner and administrators
    )
    other_kind = reverse("segments:log-job", args=[criteria_job.pk])
    assert marketing_client.get(other_kind).status_code == 404
    url = reverse("segments:log-job", args=[log_job.pk])
    assert marketing_client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(make_user("nobody"))
    assert client.get(url).status_code == 403
