"""One failure path for every job task (crm.tasks.BulkJobTask): when a task dies (its database
connection killed, or any error) the job is marked failed with a message in the user's
language, its locks are released, the progress page stops polling and offers Retry, and the
retry resumes after the batches that were committed."""

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import translation

from crm.models import BulkJob, BulkJobStatus
from tests.campaigns.conftest import target_lines  # noqa: F401 (fixture)

LOST_EN = (
    "The connection to the database was lost. The work already saved is kept: Retry continues "
    "where the job stopped."
)
LOST_FR = (
    "La connexion à la base de données a été perdue. Le travail déjà enregistré est conservé : "
    "Réessayer reprend là où la tâche s'est arrêtée."
)
UNEXPECTED_EN = (
    "An unexpected error stopped the job. The work already saved is kept: Retry continues "
    "where the job stopped."
)


def terminate_own_backend() -> None:
    """Kill this process's database session from another session, as a failover, a restarted
    server or an administrator's pg_terminate_backend would."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    keys = ("dbname", "host", "port", "user", "password")
    with psycopg.connect(**{k: params[k] for k in keys if params.get(k)}, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def kill_connection_at_call(monkeypatch, target: str, call: int = 1) -> list:
    """Wrap the function at ``target``: its ``call``-th call finds its connection dead."""
    module_name, name = target.rsplit(".", 1)
    module = __import__(module_name, fromlist=[name])
    original = getattr(module, name)
    calls: list = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            terminate_own_backend()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def retry(client, user, job: BulkJob):
    client.force_login(user)
    response = client.post(reverse("job-retry", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Refresh"] == "true"  # the page shows the job running again
    return response


# -- contacts: CSV import ----------------------------------------------------------------------


def _contacts_csv(rows: int) -> str:
    from contacts.imports import import_file_store

    text = "name;city;external_id\n" + "".join(f"Firm {i};Paris;J{i}\n" for i in range(rows))
    upload = SimpleUploadedFile("contacts.csv", text.encode(), "text/csv")
    return import_file_store(uploaded_file=upload)


@pytest.fixture
def contact_numbers(db):
    from setup.models import MarketingSetup
    from tests.factories.setup import series_with_line

    setup = MarketingSetup.load()
    setup.contact_series = series_with_line("CONT", "CT000001")
    setup.save()


@pytest.mark.django_db(transaction=True)
def test_contacts_csv_import_with_its_connection_killed_fails_in_french_and_retry_resumes(
    contact_numbers, sales_user, client, monkeypatch
):
    """The CSV import's connection dies in its second batch: the job is failed (not running
    forever) with a French message for a French user, the progress partial stops polling and
    offers Retry, and the retry imports the remaining rows, each row once."""
    from contacts import imports
    from contacts.imports import contact_import_csv_start
    from contacts.models import Contact
    from contacts.tasks import contact_import_csv_task

    # given: batches of one row; the second batch's insert finds its connection killed
    monkeypatch.setattr(imports.contact_import_csv_batch, "__kwdefaults__", {"batch_size": 1})
    kill_connection_at_call(monkeypatch, "contacts.imports.inserts._bulk_insert", call=2)
    mapping = {"name": "name", "city": "city", "external_id": "external_id"}
    with translation.override("fr"):
        job = contact_import_csv_start(
            path=_contacts_csv(3),
            mapping=mapping,
            skip_rejected=False,
            user=sales_user,
            enqueue=False,
        )
    # when
    with pytest.raises(OperationalError):
        contact_import_csv_task.delay(job.pk)
    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.FAILED
    assert job.error == LOST_FR
    assert job.done == 1
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["J0"]
    client.force_login(sales_user)
    progress = client.get(
        reverse("contacts:contact-job-progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert progress.status_code == 286  # polling stops
    assert reverse("job-retry", args=[job.pk]) in progress.content.decode()

    # when: the user retries
    response = retry(client, sales_user, job)
    # then: the job resumes after the committed batch
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert (job.done, job.total, job.result["created"]) == (3, 3, 3)
    assert sorted(Contact.objects.values_list("external_id", flat=True)) == ["J0", "J1", "J2"]


# -- api: sales history import -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sales_history_import_with_its_connection_killed_fails_and_retry_resumes(
    admin_user_, client, monkeypatch
):
    """API-4's import job: connection killed in the second batch → failed with the message;
    the retry writes the remaining lines, every line once."""
    from api import sales_history_import
    from api.sales_history_import import sales_history_import_start
    from contacts.models import SalesHistoryLine
    from tests.api.test_sales_history_import import GOOD, MAPPING, _store

    monkeypatch.setattr(
        sales_history_import.sales_history_import_batch, "__kwdefaults__", {"batch_size": 2}
    )
    kill_connection_at_call(
        monkeypatch, "api.sales_history_import.sales_history_lines_import", call=2
    )
    # when
    with pytest.raises(OperationalError):
        sales_history_import_start(path=_store(GOOD), mapping=MAPPING, skip_rejected=False)
    # then
    job = BulkJob.objects.get(kind=sales_history_import.CSV_JOB_KIND)
    assert (job.status, job.error, job.done) == (BulkJobStatus.FAILED, LOST_EN, 2)
    assert SalesHistoryLine.objects.count() == 2
    # when
    assert retry(client, admin_user_, job).status_code == 200
    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    assert (job.result["created"], job.done) == (4, 4)
    assert SalesHistoryLine.objects.count() == 4


# -- interactions: bulk logging ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bulk_logging_with_its_connection_killed_fails_and_retry_logs_each_contact_once(
    marketing_user, client, monkeypatch
):
    from interactions.models import InteractionLogEntry
    from interactions.services import interactions_bulk_log_start
    from tests.factories.contacts import CompanyFactory
    from tests.factories.interactions import InteractionTemplateFactory

    contacts = [CompanyFactory() for _ in range(3)]
    kill_connection_at_call(monkeypatch, "interactions.services.bulk.bulk_job_progress", call=1)
    # when
    with pytest.raises(OperationalError):
        interactions_bulk_log_start(
            user=marketing_user,
            template=InteractionTemplateFactory(),
            contact_ids=[c.pk for c in contacts],
        )
    # then
    job = BulkJob.objects.get(kind="interactions_bulk_log")
    assert (job.status, job.error) == (BulkJobStatus.FAILED, LOST_EN)
    assert not InteractionLogEntry.objects.exists()
    # when
    assert retry(client, marketing_user, job).status_code == 200
    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    entries = InteractionLogEntry.objects.filter(bulk_job=job)
    assert sorted(entries.values_list("contact_id", flat=True)) == sorted(c.pk for c in contacts)


# -- segments: logging (the segment is freed, and taken back by the retry) --------------------


@pytest.mark.django_db(transaction=True)
def test_segment_log_with_its_connection_killed_frees_the_segment_and_retry_logs_it(
    marketing_user, client, monkeypatch
):
    from interactions.models import InteractionLogEntry
    from segments.models import LoggedSegment, Segment
    from segments.services import segment_create, segment_line_add, segment_log_start
    from setup.models import MarketingSetup
    from tests.factories.contacts import CompanyFactory
    from tests.factories.interactions import InteractionTemplateFactory
    from tests.factories.setup import SalespersonFactory, series_with_line

    MarketingSetup.load()
    MarketingSetup.objects.update(segment_series=series_with_line("SEGM", "SG000001"))
    segment = segment_create(
        user=marketing_user,
        data={
            "description": "Spring mailing",
            "template": InteractionTemplateFactory(code="LTR", correspondence_type="hard_copy"),
            "salesperson": SalespersonFactory(),
        },
    )
    contacts = [CompanyFactory(), CompanyFactory()]
    for contact in contacts:
        segment_line_add(segment=segment, contact=contact)
    number = segment.number
    kill_connection_at_call(monkeypatch, "segments.services.jobs.segment_log", call=1)
    # when
    with pytest.raises(OperationalError):
        segment_log_start(segment=segment, user=marketing_user)
    # then: failed, and the segment is no longer busy
    job = BulkJob.objects.get(kind="segment_log")
    assert (job.status, job.error) == (BulkJobStatus.FAILED, LOST_EN)
    assert Segment.objects.get(pk=segment.pk).running_job is None
    assert not LoggedSegment.objects.exists()
    # when
    assert retry(client, marketing_user, job).status_code == 200
    # then
    job.refresh_from_db()
    assert job.status == BulkJobStatus.SUCCEEDED, job.error
    logged = LoggedSegment.objects.get(segment_number=number)
    assert InteractionLogEntry.objects.filter(logged_segment=logged).count() == len(contacts)


# -- campaigns: activation (an injected fault) -------------------------------------------------


def test_campaign_activation_error_fails_the_job_without_showing_internals(
    target_lines,  # noqa: F811 (the fixture imported above)
    admin_user_,
    client,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """Any error, not only a lost connection, takes the same path; the user reads what
    happened, not the exception's text."""
    from campaigns import services
    from campaigns.models import CampaignTargetGroup
    from tests.factories.campaigns import CampaignFactory, CampaignPriceLineFactory
    from tests.factories.contacts import CompanyFactory

    monkeypatch.setattr(services, "ACTIVATE_INLINE_LIMIT", 1)
    real_insert = services._insert_targets
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("relation secret_internal_table does not exist")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(services, "_insert_targets", failing_once)
    campaign = CampaignFactory()
    CampaignPriceLineFactory(campaign=campaign)
    target_lines.add(campaign, CompanyFactory())
    target_lines.add(campaign, CompanyFactory())
    # when
    with (
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.campaign_activate(campaign=campaign, user=admin_user_)
    # then
    job = BulkJob.objects.get(kind="campaign_activate")
    assert (job.status, job.error) == (BulkJobStatus.FAILED, UNEXPECTED_EN)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert retry(client, admin_user_, job).status_code == 200
    # then
    job.refresh_from_db()
    assert (job.status, job.result) == (BulkJobStatus.SUCCEEDED, {"inserted": 2})
    assert CampaignTargetGroup.objects.filter(campaign=campaign).count() == 2


# -- retry rules -------------------------------------------------------------------------------


def test_only_the_starter_or_an_administrator_may_retry_and_only_a_failed_job(
    client, sales_user, marketing_user, admin_user_, django_capture_on_commit_callbacks
):
    job = BulkJob.objects.create(
        kind="healthcheck",
        status=BulkJobStatus.FAILED,
        task_name="crm.tasks.healthcheck_task",
        started_by=sales_user,
        error="x",
    )
    client.force_login(marketing_user)
    assert client.post(reverse("job-retry", args=[job.pk])).status_code == 404
    done = BulkJob.objects.create(
        kind="healthcheck",
        status=BulkJobStatus.SUCCEEDED,
        task_name="crm.tasks.healthcheck_task",
        started_by=sales_user,
    )
    client.force_login(sales_user)
    client.post(reverse("job-retry", args=[done.pk]))
    done.refresh_from_db()
    assert done.status == BulkJobStatus.SUCCEEDED
    client.force_login(admin_user_)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("job-retry", args=[job.pk]), HTTP_REFERER="https://evil.test/"
        )
    assert response.url == reverse("home")
    job.refresh_from_db()
    assert (job.status, job.error) == (BulkJobStatus.SUCCEEDED, "")


# -- every job task, and the re-queue ----------------------------------------------------------


@pytest.mark.django_db  # the Celery Django fixup runs the system checks, which read the server
def test_every_task_taking_a_job_id_takes_the_shared_failure_path():
    """A task added later with a ``job_id`` argument must use BulkJobTask too."""
    import inspect

    from crm.celery import app
    from crm.tasks import BulkJobTask

    app.loader.import_default_modules()
    job_tasks = [
        name
        for name, task in app.tasks.items()
        if list(inspect.signature(task.run).parameters)[:1] == ["job_id"]
    ]
    assert "contacts.tasks.contact_import_csv_task" in job_tasks
    assert "api.tasks.sales_history_import_csv_task" in job_tasks
    for name in job_tasks:
        assert isinstance(app.tasks[name], BulkJobTask), name


def test_requeue_sends_each_stale_running_job_once(db, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from crm.jobs import bulk_job_requeue_stale

    old = timezone.now() - timedelta(minutes=10)

    def job(status, heartbeat_at):
        return BulkJob.objects.create(
            kind="healthcheck",
            status=status,
            task_name="crm.tasks.healthcheck_task",
            heartbeat_at=heartbeat_at,
        )

    stale = job(BulkJobStatus.RUNNING, old)
    fresh = job(BulkJobStatus.RUNNING, timezone.now())
    finished = job(BulkJobStatus.SUCCEEDED, old)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        requeued = bulk_job_requeue_stale(stale_after=300)
    # then: only the stale one was sent (and ran: eager here)
    assert requeued == [stale.pk]
    stale.refresh_from_db()
    assert stale.status == BulkJobStatus.SUCCEEDED
    assert BulkJob.objects.get(pk=fresh.pk).status == BulkJobStatus.RUNNING
    assert BulkJob.objects.get(pk=finished.pk).status == BulkJobStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        assert bulk_job_requeue_stale(stale_after=300) == []


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_keeps_beating_so_its_job_is_not_requeued(settings):
    """The heartbeat thread writes with its own connection while the task runs; a job whose
    row the task itself has locked is skipped, never waited for."""
    import time
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from crm.jobs import Heartbeat, bulk_job_requeue_stale

    settings.BULK_JOB_HEARTBEAT_SECONDS = 0.05
    old = timezone.now() - timedelta(minutes=10)
    job = BulkJob.objects.create(
        kind="healthcheck",
        status=BulkJobStatus.RUNNING,
        task_name="crm.tasks.healthcheck_task",
        heartbeat_at=old,
    )
    # when: the task runs (its heartbeat beats)
    with Heartbeat(job.pk):
        deadline = time.monotonic() + 10
        while BulkJob.objects.get(pk=job.pk).heartbeat_at == old:
            assert time.monotonic() < deadline, "no heartbeat"
            time.sleep(0.05)
        # then: not stale
        assert bulk_job_requeue_stale(stale_after=60) == []
        # and a row locked by the task's own transaction does not block the beat
        with transaction.atomic():
            BulkJob.objects.select_for_update().get(pk=job.pk)
            time.sleep(0.3)
    assert BulkJob.objects.get(pk=job.pk).status == BulkJobStatus.RUNNING
