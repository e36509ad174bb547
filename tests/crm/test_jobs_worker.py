"""A worker killed with SIGKILL mid-job: Redis would hand its unacknowledged message to another
worker only after the visibility timeout (an hour). Jobs keep a heartbeat instead, and the beat
task ``bulk_job_requeue_stale_task`` sends again the jobs whose heartbeat went stale: the job
completes within seconds of the restart here (the stale threshold is a setting), exactly once.

To kill the worker at a known point, another session holds an uncommitted row with a unique
key that the job inserts half-way: the worker's INSERT waits on it, the worker is killed while
waiting, then the other session rolls back."""

import contextlib
import os
import signal
import time

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from crm.models import BulkJob, BulkJobStatus
from crm.tasks import bulk_job_requeue_stale_task
from tests.worker import not_eager, real_worker, wait_for

# The restarted worker beats fast and takes a job silent for 2 s for lost.
FAST = {"BULK_JOB_HEARTBEAT_SECONDS": "0.5", "BULK_JOB_STALE_SECONDS": "2"}


@contextlib.contextmanager
def uncommitted(*statements: tuple[str, list]):
    """Run ``statements`` in another session and keep its transaction open until the block
    ends: an INSERT of the same unique key waits meanwhile (unique indexes are checked at once,
    unlike Django's deferred foreign keys, which would make the worker wait in COMMIT)."""
    params = connection.get_connection_params()
    keys = ("dbname", "host", "port", "user", "password")
    with psycopg.connect(**{k: params[k] for k in keys if params.get(k)}) as other:
        for sql, args in statements:
            other.execute(sql, args)
        yield
        other.rollback()


def worker_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def kill(worker) -> None:
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def requeue_until_done(job: BulkJob, queue: str, *, timeout: float = 60) -> BulkJob:
    """What beat does every minute, every second here, until the job has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bulk_job_requeue_stale_task.apply_async(queue=queue)
        with contextlib.suppress(AssertionError):
            wait_for(lambda: BulkJob.objects.get(pk=job.pk).is_finished, timeout=1.5)
            return BulkJob.objects.get(pk=job.pk)
    raise AssertionError("the job did not finish after the restart")


def redeliver(task, job: BulkJob, worker) -> None:
    """The killed worker's message comes back after the visibility timeout: send it again and
    wait until the worker has run it (a finished job is left alone)."""
    before = worker.log_path.read_text().count("succeeded in")
    task.apply_async(args=[job.pk], queue=worker.queue)
    wait_for(lambda: worker.log_path.read_text().count("succeeded in") > before, timeout=30)


def test_the_beat_schedule_requeues_stale_jobs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["bulk-job-requeue-stale"]
    assert entry["task"] == "crm.tasks.bulk_job_requeue_stale_task"
    assert entry["schedule"] <= 60
    assert settings.BULK_JOB_STALE_SECONDS <= 600


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_csv_import_killed_mid_import_completes_after_restart_exactly_once(sales_user):
    """Batch 1 (2,000 rows) commits; batch 2 waits inside its transaction and the worker is
    SIGKILLed: the restarted worker's beat task re-queues the job, which resumes at row 2,001;
    every row is imported once."""
    from contacts.imports import IMPORT_BATCH_SIZE, contact_import_csv_start, import_file_store
    from contacts.models import Contact
    from contacts.tasks import contact_import_csv_task
    from setup.models import MarketingSetup
    from tests.factories.contacts import CompanyFactory
    from tests.factories.setup import series_with_line

    setup = MarketingSetup.load()
    setup.contact_series = series_with_line("CONT", "CT000001", manual_numbers=True)
    setup.save()
    model = CompanyFactory(number="MODEL")  # the other session copies it
    rows = IMPORT_BATCH_SIZE + 3
    text = "no.;name;external_id\n" + "".join(
        f"{'ZZBLOCK' if i == rows - 1 else ''};Firm {i};K{i}\n" for i in range(rows)
    )
    path = import_file_store(uploaded_file=SimpleUploadedFile("big.csv", text.encode(), "text/csv"))
    mapping = {"no.": "number", "name": "name", "external_id": "external_id"}
    job = contact_import_csv_start(
        path=path, mapping=mapping, skip_rejected=False, user=sales_user, enqueue=False
    )
    table = Contact._meta.db_table
    # Generated columns (the search document) take no value: name the written ones.
    cols = ", ".join(f'"{f.column}"' for f in Contact._meta.concrete_fields if not f.generated)
    blocker = (
        (f"CREATE TEMP TABLE blocker AS SELECT * FROM {table} WHERE id = %s", [model.pk]),  # noqa: S608
        (f"UPDATE blocker SET id = nextval(pg_get_serial_sequence('{table}', 'id'))", []),  # noqa: S608
        ("UPDATE blocker SET company_id = id, number = 'ZZBLOCK', external_id = ''", []),
        (f"INSERT INTO {table} ({cols}) SELECT {cols} FROM blocker", []),  # noqa: S608
    )

    # when: the worker is killed while batch 2 waits
    with uncommitted(*blocker), real_worker() as worker, not_eager():
        queue = worker.queue
        contact_import_csv_task.apply_async(args=[job.pk], queue=queue)
        wait_for(
            lambda: (
                BulkJob.objects.get(pk=job.pk).done == IMPORT_BATCH_SIZE
                and worker_waits_on_a_lock()
            ),
            timeout=90,
            interval=0.2,
        )
        kill(worker)
    job.refresh_from_db()
    assert job.status == BulkJobStatus.RUNNING  # stuck for an hour without the heartbeat
    assert Contact.objects.exclude(pk=model.pk).count() == IMPORT_BATCH_SIZE

    # when: a worker starts again on the queue; beat runs; later the old message comes back
    with real_worker(queue=queue, env=FAST) as worker, not_eager():
        job = requeue_until_done(job, queue)
        redeliver(contact_import_csv_task, job, worker)

    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert (job.done, job.total, job.result["created"]) == (rows, rows, rows)
    imported = Contact.objects.exclude(pk=model.pk)
    assert imported.count() == rows
    assert imported.values("external_id").distinct().count() == rows


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_segment_log_killed_mid_log_completes_after_restart_exactly_once(marketing_user):
    """The log job waits on a lock inside its transaction and the worker is SIGKILLed: nothing
    is logged, the segment stays busy with the job; after the restart the job is re-queued and
    logs the segment once (one logged segment, one entry per line)."""
    from interactions.models import InteractionLogEntry
    from segments.models import LoggedSegment, Segment
    from segments.services import segment_create, segment_line_add, segment_log_start
    from segments.tasks import segment_log_task
    from setup.models import MarketingSetup
    from tests.factories.contacts import CompanyFactory
    from tests.factories.interactions import InteractionTemplateFactory
    from tests.factories.setup import SalespersonFactory, series_with_line

    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series_with_line("SEGM", "SG000001"))
    salesperson = SalespersonFactory()
    segment = segment_create(
        user=marketing_user,
        data={
            "description": "Spring mailing",
            "template": InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy"),
            "salesperson": salesperson,
        },
    )
    contacts = [CompanyFactory() for _ in range(3)]
    for contact in contacts:
        segment_line_add(segment=segment, contact=contact)
    number = segment.number

    blocker = (
        (
            f"INSERT INTO {LoggedSegment._meta.db_table} "  # noqa: S608
            "(segment_number, description, created_on, is_canceled, created_at, updated_at) "
            "VALUES (%s, '', CURRENT_DATE, false, now(), now())",
            [number],
        ),
    )

    # when: the worker is killed while the log waits
    with uncommitted(*blocker), real_worker() as worker, not_eager():
        queue = worker.queue
        job = segment_log_start(segment=segment, user=marketing_user, queue=queue)
        wait_for(
            lambda: (
                BulkJob.objects.get(pk=job.pk).status == BulkJobStatus.RUNNING
                and worker_waits_on_a_lock()
            ),
            timeout=60,
            interval=0.2,
        )
        kill(worker)
    assert not LoggedSegment.objects.exists()
    assert Segment.objects.get(pk=segment.pk).running_job_id == job.pk

    # when
    with real_worker(queue=queue, env=FAST) as worker, not_eager():
        job = requeue_until_done(job, queue)
        redeliver(segment_log_task, job, worker)

    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert LoggedSegment.objects.count() == 1
    logged = LoggedSegment.objects.get(segment_number=number)
    entries = InteractionLogEntry.objects.filter(logged_segment=logged)
    assert sorted(entries.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)
    assert not Segment.objects.filter(number=number).exists()
