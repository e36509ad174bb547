import pytest

from crm.models import BulkJob, BulkJobStatus
from crm.tasks import healthcheck_task
from tests.worker import not_eager, real_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_on_redis_runs_a_task():
    job = BulkJob.objects.create(kind="healthcheck")
    with real_worker() as worker, not_eager():
        healthcheck_task.apply_async(args=[job.pk], queue=worker.queue)
        wait_for(
            lambda: BulkJob.objects.get(pk=job.pk).status == BulkJobStatus.SUCCEEDED, timeout=60
        )
    job.refresh_from_db()
    assert job.result["worker"]
    assert job.done == job.total == 1
