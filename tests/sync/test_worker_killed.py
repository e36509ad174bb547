"""A worker SIGKILLed in the middle of a full synchronisation to the live Tryton: once the job
runs again on a new worker, every local record has exactly one coupling and exactly one remote
record, read back from Tryton through its API, and no coupling is left half made.

The kill lands in the one dangerous place: after Tryton created a page of records and before
their couplings committed. Another session holds an uncommitted coupling row of a record of a
later page (same unique key), so the worker's coupling INSERT for that page waits on it; the
worker is killed while waiting, then the other session rolls back (see
tests/crm/test_jobs_worker.py for the technique)."""

from collections import Counter

import pytest
from django.db import connection

from contacts.models import Contact, ContactBusinessRelation
from setup.models import BusinessRelation
from sync.models import SyncCoupling, SyncJob, SyncPendingCreate, SyncTableMapping
from sync.tasks import sync_all_task
from tests.crm.test_jobs_worker import kill, uncommitted, worker_waits_on_a_lock
from tests.worker import not_eager, real_worker, wait_for

COMPANIES = 300  # six pages of 50 (the tryton fixture's page size)
PREFIX = "Killed Co"
TWIN = 161  # has the name of company 160: two records that no name tells apart


def _name(i: int) -> str:
    return f"{PREFIX} {i - 1 if i == TWIN else i:03d}"


def _companies() -> list[Contact]:
    relation, _created = BusinessRelation.objects.get_or_create(code="CUST")
    companies = Contact.objects.bulk_create(
        Contact(
            number=f"KC{i:05d}",
            type="company",
            name=_name(i),
            search_name=_name(i).upper(),
            city="Lyon",
            email=f"k{i}@killed.test",
        )
        for i in range(COMPANIES)
    )
    ContactBusinessRelation.objects.bulk_create(
        ContactBusinessRelation(
            contact=c, business_relation=relation, link_type="customer", external_number=f"K{c.pk}"
        )
        for c in companies
    )
    return companies


def _no_advisory_lock_left() -> bool:
    """The killed worker's session has ended (it held the mapping's advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0] == 0


def _remote_names(editor) -> Counter:
    rows = editor.call(
        "party.party", "search_read", [["name", "like", f"{PREFIX} %"]], 0, None, None, ["name"]
    )
    return Counter(row["name"] for row in rows)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_full_sync_killed_mid_run_ends_with_one_coupling_and_one_remote_record_each(editor):
    # given: 300 customer companies (ACCOUNT) and a full synchronisation queued for them
    companies = _companies()
    account = SyncTableMapping.objects.get(name="ACCOUNT")
    mappings = SyncTableMapping.objects.filter(is_enabled=True)
    job_ids = {
        str(m.pk): SyncJob.objects.create(mapping=m, kind="full_sync", direction=m.direction).pk
        for m in mappings
    }
    blocked = companies[COMPANIES // 2]  # first of page 4 of 6, with the twins
    blocker = (
        (
            f"INSERT INTO {SyncCoupling._meta.db_table} "  # noqa: S608
            "(mapping_id, local_id, remote_id, last_local_result, last_remote_result, "
            "last_error, is_skipped, local_deleted, created_at, updated_at) "
            "VALUES (%s, %s, 'blocker', '', '', '', false, false, now(), now())",
            [account.pk, blocked.pk],
        ),
    )

    # when: the worker is killed while the couplings of a page it created wait
    with uncommitted(*blocker), real_worker() as worker, not_eager():
        queue = worker.queue
        sync_all_task.apply_async(args=[True, None, job_ids], queue=queue)
        wait_for(
            lambda: (
                SyncCoupling.objects.filter(mapping=account).count() >= 50
                and worker_waits_on_a_lock()
            ),
            timeout=180,
            interval=0.2,
        )
        kill(worker)
    wait_for(_no_advisory_lock_left, timeout=30)
    coupled_before = SyncCoupling.objects.filter(mapping=account).count()
    assert 0 < coupled_before < COMPANIES
    assert sum(_remote_names(editor).values()) > coupled_before  # created, not coupled

    # when: a new worker gets the message again (Redis redelivers it after the timeout)
    with real_worker(queue=queue) as worker, not_eager():
        sync_all_task.apply_async(args=[True, None, job_ids], queue=queue)
        wait_for(
            lambda: all(j.is_finished for j in SyncJob.objects.filter(pk__in=job_ids.values())),
            timeout=300,
            interval=0.5,
        )

    # then
    job = SyncJob.objects.get(pk=job_ids[str(account.pk)])
    assert job.status == "succeeded", job.message
    couplings = SyncCoupling.objects.filter(mapping=account)
    assert couplings.count() == COMPANIES
    assert set(couplings.values_list("local_id", flat=True)) == {c.pk for c in companies}
    assert not couplings.exclude(last_local_result="success").exists()
    assert not couplings.exclude(last_remote_result="success").exists()
    assert not couplings.filter(last_remote_modified_at=None).exists()
    assert not SyncPendingCreate.objects.exists()
    names = _remote_names(editor)
    assert sum(names.values()) == COMPANIES
    assert names == Counter(c.name for c in companies)
    assert names[_name(TWIN)] == 2
    remote_ids = editor.call(
        "party.party", "search", [["name", "like", f"{PREFIX} %"]], 0, None, None
    )
    assert set(couplings.values_list("remote_id", flat=True)) == {str(i) for i in remote_ids}
