"""SYN-16 through a fault-injecting proxy process in front of the live Tryton server."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sync.engine import mapping_run
from sync.models import ExternalCrmConnection, SyncCoupling, SyncJobError, SyncTableMapping
from tests.sync.conftest import _free_port
from tests.sync.test_live import customer, remote

pytestmark = pytest.mark.django_db

PROXY = Path(__file__).with_name("fault_proxy.py")


@pytest.fixture
def proxy(enabled):
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(PROXY), str(port), enabled.url])
    url = f"http://127.0.0.1:{port}"
    for _attempt in range(100):
        try:
            requests.get(f"{url}/__faults__", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.05)
    connection = ExternalCrmConnection.load()
    connection.base_url = url
    connection.timeout_s = 2
    connection.save()

    def plan(**faults):
        requests.post(f"{url}/__faults__", json={"next": [], "match": [], **faults}, timeout=5)

    def counts():
        return requests.get(f"{url}/__faults__", timeout=5).json()

    plan.counts = counts
    yield plan
    process.terminate()
    process.wait(timeout=10)


def _names(editor, name):
    return editor.search("party.party", [("name", name, True)], remote_filter="", limit=10)


def test_x12_429_is_retried_and_400_fails_the_row_with_the_body(proxy, editor):
    """X-12: a 429 answer is retried (with and without Retry-After); a 400 fails the row with
    the response body in the error detail, and the other rows of the batch go through."""
    good = customer(name="Good Co")
    customer(name="Faulty Co")
    account = SyncTableMapping.objects.get(name="ACCOUNT")
    proxy(
        next=[{"status": 429, "retry_after": "0"}, {"status": 429}],
        match=[{"contains": "Faulty Co", "status": 400, "body": "refused by proxy: Faulty Co"}],
    )
    job = mapping_run(account, full=True)
    assert proxy.counts()["faulted"] >= 3
    assert job.status == "succeeded"
    assert len(_names(editor, "Good Co")) == 1
    assert remote(editor, SyncCoupling.objects.get(local_id=good.pk).remote_id)["name"] == "Good Co"
    error = SyncJobError.objects.get(job=job)
    assert "refused by proxy: Faulty Co" in error.detail
    assert "HTTP 400" in error.detail
    assert not _names(editor, "Faulty Co")


def test_5xx_drops_and_stalls_are_retried_then_a_dead_remote_stops_the_run_cleanly(
    proxy,
    editor,
):
    """503, a dropped connection and an answer later than the time-out are retried; five
    failures in a row stop the run (failed, with a message) without half-coupled records,
    and the next run finishes with exactly one remote record per local one."""
    companies = [customer(name=f"Retry Co {i}") for i in range(3)]
    account = SyncTableMapping.objects.get(name="ACCOUNT")
    proxy(next=[{"status": 503}, {"drop": True}, {"stall": 3}])
    job = mapping_run(account, full=True)
    assert job.status == "succeeded", job.message
    assert all(len(_names(editor, c.name)) == 1 for c in companies)

    more = [customer(name=f"Dead Co {i}") for i in range(3)]
    proxy(next=[{"status": 503}] * 5)
    job = mapping_run(account, full=True)
    assert job.status == "failed"
    assert "HTTP 503" in job.message
    assert not SyncCoupling.objects.filter(local_id__in=[c.pk for c in more]).exists()
    proxy()
    job = mapping_run(account, full=True)
    assert job.status == "succeeded"
    for company in [*companies, *more]:
        assert len(_names(editor, company.name)) == 1
        assert SyncCoupling.objects.filter(local_id=company.pk).count() == 1
