import pytest

from crm.models import BulkJob, BulkJobStatus
from segments.services import segment_criteria_start
from tests.factories.contacts import CompanyFactory
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
