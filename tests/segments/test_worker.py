import pytest

from crm.models import BulkJob, BulkJobStatus
from interactions.models import InteractionLogEntry
from segments.models import LoggedSegment, Segment
from segments.services import segment_criteria_start, segment_line_add, segment_log_start
from tests.factories.contacts import CompanyFactory, PersonFactory
from tests.factories.interactions import InteractionTemplateFactory
from tests.factories.setup import SalespersonFactory
from tests.worker import not_eager, real_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sg28_add_action_runs_on_a_real_worker(new_segment, marketing_user):
    """SG-28: an add action runs as a bulk job on a real Celery worker, reports progress and
    frees the segment."""
    for _ in range(3):
        CompanyFactory(city="Dax")
    CompanyFactory(city="Pau")
    segment = new_segment()
    with real_worker() as worker, not_eager():
        job = segment_criteria_start(
            segment=segment,
            user=marketing_user,
            action="add",
            filters={"contact": {"city": {"op": "in", "values": ["Dax"]}}},
            queue=worker.queue,
        )
        wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_finished, timeout=60)
    job.refresh_from_db()
    segment.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert (job.done, job.total) == (1, 1)
    assert job.result == {"changed": 3, "lines": 3}
    assert segment.lines.count() == 3
    assert segment.running_job is None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_log_segment_runs_on_a_real_worker(new_segment, marketing_user):
    """SEG-40..42: "Log segment" runs as a bulk job on a real Celery worker: one interaction
    per line, a logged segment, the follow-up segment, and the segment removed."""
    segment = new_segment(
        template=InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy"),
        salesperson=SalespersonFactory(),
    )
    contacts = [CompanyFactory(), PersonFactory(), CompanyFactory(), PersonFactory()]
    for contact in contacts:
        segment_line_add(segment=segment, contact=contact)
    number = segment.number
    with real_worker() as worker, not_eager():
        job = segment_log_start(
            segment=segment, user=marketing_user, follow_up=True, queue=worker.queue
        )
        wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_finished, timeout=60)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    logged = LoggedSegment.objects.get(segment_number=number)
    assert job.result["logged_segment"] == logged.pk
    assert job.result["lines"] == len(contacts)
    assert (job.done, job.total) == (len(contacts), len(contacts))
    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    assert sorted(entries.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)
    assert not Segment.objects.filter(number=number).exists()
    follow_up = Segment.objects.get(pk=job.result["follow_up"])
    assert follow_up.lines.count() == len(contacts)
