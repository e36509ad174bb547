"""Start a real Celery worker on a private queue, pointed at the test database."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent


def redis_available() -> bool:
    parsed = urlparse(settings.CELERY_BROKER_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def real_worker(*, concurrency: int = 1, queue: str | None = None, env: dict | None = None):
    """Yield the private queue name of a running ``celery -A crm worker -P solo`` process.

    Use from a ``transaction=True`` test so that the worker sees committed rows. ``queue``
    starts a worker on a queue used before (a restarted worker); ``env`` adds variables to the
    worker's environment (settings read from it).
    """
    require_service(redis_available(), "Redis")
    queue = queue or f"test-{uuid.uuid4().hex[:10]}"
    extra_env = env or {}
    env = dict(os.environ)
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    env["DATABASE_NAME"] = connection.settings_dict["NAME"]
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env["CRM_TEST_REAL_WORKER"] = "1"  # crm/settings/test.py: not eager in the worker
    log_path = ROOT / ".data" / f"worker-{queue}-{uuid.uuid4().hex[:6]}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "crm",
                "worker",
                "-P",
                "solo",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        process.queue = queue  # type: ignore[attr-defined]
        process.log_path = log_path  # type: ignore[attr-defined]
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        with contextlib.suppress(OSError):
            log_path.unlink()


@contextlib.contextmanager
def not_eager():
    """Send tasks to the broker for real inside the block (test settings are eager)."""
    from crm.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
