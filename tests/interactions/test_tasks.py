import os
import signal

import pytest

from crm.models import BulkJob, BulkJobStatus
from crm.services import bulk_job_create
from interactions.models import InteractionLogEntry
from interactions.tasks import interactions_bulk_log_task
from tests.factories.interactions import InteractionTemplateFactory, contacts_generate
from tests.worker import not_eager, real_worker, wait_for

TOTAL = 100_000


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_bulk_log_survives_a_killed_worker_and_a_duplicated_message():
    """Bulk logging 100,000 interactions: the worker is SIGKILLed mid-way, a new worker gets
    the message again (plus a duplicate) and exactly 100,000 entries exist.

    With the Redis transport an unacknowledged (acks_late) message comes back only after the
    visibility timeout (3600 s in settings), or when a worker restarts after that delay. The
    test does not wait an hour: it re-sends the same message, which is what redelivery does,
    and a second copy besides, proving that the job resumes after its last committed batch and
    never logs a contact twice (unique (bulk_job, contact), ON CONFLICT DO NOTHING).
    """
    # given
    template = InteractionTemplateFactory()
    low, high = contacts_generate(TOTAL, prefix="BULK")
    job = bulk_job_create(
        kind="interactions_bulk_log",
        params={
            "template_id": template.pk,
            "description": "Mailing",
            "date": "2026-02-01",
            "contact_sql": "SELECT id FROM contacts_contact WHERE id BETWEEN %s AND %s",
            "contact_sql_params": [low, high],
        },
    )

    def done() -> int:
        return BulkJob.objects.get(pk=job.pk).done

    # when: the first worker dies with SIGKILL while logging
    with real_worker() as worker, not_eager():
        interactions_bulk_log_task.apply_async(args=[job.pk], queue=worker.queue)
        wait_for(lambda: 0 < done() < TOTAL, timeout=40, interval=0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    logged_at_kill = InteractionLogEntry.objects.filter(bulk_job=job).count()
    assert 0 < logged_at_kill < TOTAL
    assert BulkJob.objects.get(pk=job.pk).status == BulkJobStatus.RUNNING

    # when: a new worker receives the message again, twice
    with real_worker() as worker, not_eager():
        interactions_bulk_log_task.apply_async(args=[job.pk], queue=worker.queue)
        interactions_bulk_log_task.apply_async(args=[job.pk], queue=worker.queue)
        wait_for(
            lambda: BulkJob.objects.get(pk=job.pk).status == BulkJobStatus.SUCCEEDED,
            timeout=60,
        )
        # the duplicate runs after the first copy finished and must change nothing
        wait_for(lambda: worker.log_path.read_text().count("succeeded in") >= 2, timeout=30)

    # then
    entries = InteractionLogEntry.objects.filter(bulk_job=job)
    assert entries.count() == TOTAL
    assert entries.values("contact").distinct().count() == TOTAL
    job.refresh_from_db()
    assert job.result == {"logged": TOTAL, "skipped": 0}
    assert job.done == job.total == TOTAL
