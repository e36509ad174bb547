"""The embedded PostgreSQL that ``scripts/run`` and the benchmarks start is configured by the
product for a CRM workload, sized from the machine's memory (``scripts/launch.py``)."""

import atexit

import psycopg
import pytest

from scripts import launch

GB = 1024**3


def test_settings_are_sized_from_memory_and_capped():
    small = launch.embedded_settings(8 * GB)
    assert small["shared_buffers"] == "2048MB"  # a quarter
    assert small["effective_cache_size"] == "6144MB"  # three quarters
    assert small["work_mem"] == "32MB"
    assert small["maintenance_work_mem"] == "512MB"
    assert small["autovacuum"] == "on"

    big = launch.embedded_settings(256 * GB)
    assert big["shared_buffers"] == "4096MB"  # capped
    assert big["work_mem"] == "64MB"
    assert big["maintenance_work_mem"] == "1024MB"

    tiny = launch.embedded_settings(512 * 1024**2)
    assert tiny["shared_buffers"] == "128MB"
    assert tiny["work_mem"] == "4MB"
    assert tiny["maintenance_work_mem"] == "64MB"


def test_machine_memory_is_positive_and_not_above_the_physical_memory():
    import os

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert 0 < launch.machine_memory() <= physical


@pytest.fixture
def embedded(tmp_path, monkeypatch):
    """A fresh embedded server in a temporary folder, started by ``ensure_database``."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(launch.ensure_database, "server", None, raising=False)
    uri = launch.ensure_database("crm_settings_check", data=tmp_path / "pg")
    server = launch.ensure_database.server
    yield uri, server
    server.cleanup()  # stops it: this process holds the only handle
    atexit.unregister(server._cleanup)  # already done; its log line would hit a closed stream


def _bytes(conn, name: str) -> int:
    value, unit = conn.execute(
        "SELECT setting::bigint, unit FROM pg_settings WHERE name = %s", [name]
    ).fetchone()
    return value * {"8kB": 8192, "kB": 1024, "MB": 1024**2}[unit]


def test_ensure_database_starts_the_embedded_server_with_the_products_settings(embedded):
    uri, server = embedded
    expected = launch.embedded_settings(launch.machine_memory())
    with psycopg.connect(uri) as conn:
        assert conn.execute("SHOW autovacuum").fetchone()[0] == "on"
        assert _bytes(conn, "shared_buffers") == int(expected["shared_buffers"][:-2]) * 1024**2
        assert _bytes(conn, "work_mem") == int(expected["work_mem"][:-2]) * 1024**2
        assert (
            _bytes(conn, "effective_cache_size")
            == int(expected["effective_cache_size"][:-2]) * 1024**2
        )
        assert conn.execute("SHOW max_wal_size").fetchone()[0] == "4GB"
        assert (
            conn.execute("SELECT count(*) FROM pg_settings WHERE pending_restart").fetchone()[0]
            == 0
        )
    # A second start finds everything in place: nothing rewritten, no restart.
    pid = server.get_pid()
    assert launch.configure_embedded(server, expected) == {}
    assert server.get_pid() == pid
