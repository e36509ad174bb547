"""Caches follow writes made by another process (a worker, a shell, an import, another
gunicorn worker) even when that process writes before it ever reads, and whatever way it
writes: a model save, a queryset update() or raw SQL.

The test process plays a web worker that has cached the code tables, the filter choices and
the marketing setup in a shared Redis cache; a separate ``manage.py shell`` writes first."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.urls import reverse

from crm import caching
from setup.models import Country, MarketingSetup, Territory
from tests.worker import redis_available

ROOT = Path(__file__).resolve().parents[2]
# Not the broker's database: nothing here may touch Celery's keys.
CACHE_URL = "redis://127.0.0.1:6379/9"

WRITER = """
from django.db import connection
from setup.models import Country, Territory

territory = Territory.objects.get(code="ZT1")
territory.description = "Saved elsewhere"
territory.save()
Country.objects.filter(code="ZC").update(name="Updated elsewhere")
with connection.cursor() as cursor:
    cursor.execute(
        "UPDATE setup_marketingsetup SET inherit_territory = NOT "
        "inherit_territory"
    )
"""


def run_in_another_process(code: str, prefix: str) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.crm.shared_cache_settings",
        "DATABASE_NAME": connection.settings_dict["NAME"],
        "CACHE_URL": CACHE_URL,
        "CACHE_KEY_PREFIX": prefix,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-6000:]


@pytest.fixture
def cache_prefix():
    """A key prefix of this test's own; its keys are removed afterwards (never FLUSHDB)."""
    if not redis_available():
        pytest.fail("Redis is required")
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(CACHE_URL)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


@pytest.mark.django_db(transaction=True)
def test_a_process_that_writes_first_invalidates_every_process_cache(
    settings, client, make_user, cache_prefix
):
    prefix = cache_prefix
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": prefix,
        }
    }
    territory = Territory.objects.create(code="ZT1", description="Before")
    country = Country.objects.create(code="ZC", name="Before")
    inherit = MarketingSetup.load().inherit_territory
    client.force_login(make_user("reader", groups=["Sales"]))
    list_url = reverse("contacts:contact-list")
    # given: this process has cached the code rows, the filter choices and the setup
    assert caching.code_rows(Territory)[territory.pk].description == "Before"
    assert caching.code_rows(Country)[country.pk].name == "Before"
    assert "ZT1 Before" in client.get(list_url).content.decode()

    # when: a fresh process writes (a save, an update(), raw SQL) before reading anything
    run_in_another_process(WRITER, prefix)

    # then: this process reads the new values at once
    assert caching.code_rows(Territory)[territory.pk].description == "Saved elsewhere"
    assert caching.code_rows(Country)[country.pk].name == "Updated elsewhere"
    assert MarketingSetup.load().inherit_territory is (not inherit)
    page = client.get(list_url).content.decode()
    assert "ZT1 Saved elsewhere" in page
    assert "ZT1 Before" not in page


def test_write_statements_are_told_from_queries():
    assert caching.written_tables('UPDATE "setup_country" SET "name" = %s') == {"setup_country"}
    assert caching.written_tables("SELECT * FROM setup_country FOR UPDATE") == set()
    assert "setup_team" in caching.written_tables("WITH x AS (SELECT 1) DELETE FROM setup_team")
    assert {"setup_team", "setup_country"} <= caching.written_tables(
        'TRUNCATE "setup_team", "setup_country"'
    )
