"""Every benchmark JSON says which run it is: commit, load before and after, machine, and the
PostgreSQL settings that decide its figures (issue 5/5)."""

import io
import json
import os
import subprocess

import pytest

from bench import measure
from bench.measure import Row

# Set by ``scripts/launch.py test``: "1" when it started the embedded server (no DATABASE_URL).
ON_EMBEDDED = os.environ.get("CRM_EMBEDDED_PG") == "1"


@pytest.mark.django_db
def test_write_json_records_commit_load_machine_and_server_settings(tmp_path, capsys):
    measure.run_started()
    path = measure.write_json("probe", [Row(operation="x", status="ok")], {"n": 1}, tmp_path)

    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["meta"]["n"] == 1
    run = data["meta"]["run"]
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=measure.ROOT
    ).stdout.strip()
    assert run["commit"] == head
    assert run["dirty"] in {True, False}
    assert len(run["loadavg_before"]) == 3 and len(run["loadavg_after"]) == 3
    assert run["cpus"] >= 1 and run["memory_bytes"] > 0
    pg = run["postgresql"]
    for name in ("shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem"):
        assert pg[name]
    assert pg["autovacuum"] in {"on", "off"}
    assert pg["server_version"]
    assert pg["database_bytes"] > 0
    # A server named by DATABASE_URL has its settings printed with the run; the embedded one
    # (``scripts/launch.py test`` without DATABASE_URL, as in CI) is the product's own.
    assert pg["embedded"] is ON_EMBEDDED
    printed = "PostgreSQL from DATABASE_URL (not the embedded server)" in capsys.readouterr().out
    assert printed is not ON_EMBEDDED


def test_warnings_for_autovacuum_off_and_shared_buffers_below_the_working_set():
    tuned = {
        "embedded": False,
        "autovacuum": "on",
        "shared_buffers": "4GB",
        "shared_buffers_bytes": 4 * 2**30,
        "database": "crm_bench",
        "database_bytes": 2 * 2**30,
    }
    assert measure.server_warnings(tuned) == []
    untuned = dict(
        tuned, autovacuum="off", shared_buffers="128MB", shared_buffers_bytes=128 * 2**20
    )
    warnings = measure.server_warnings(untuned)
    assert len(warnings) == 2
    assert "autovacuum is off" in warnings[0]
    assert "shared_buffers (128MB) is below the working set" in warnings[1]
    lines = measure.describe_server(untuned)
    assert lines[0].startswith("PostgreSQL from DATABASE_URL")
    assert [line for line in lines if line.startswith("WARNING: ")] == [
        f"WARNING: {w}" for w in warnings
    ]
    # The embedded server is the product's: nothing to print.
    assert measure.describe_server(dict(untuned, embedded=True)) == []


@pytest.mark.django_db
def test_report_server_prints_the_settings_of_a_server_from_database_url():
    out = io.StringIO()
    settings = measure.report_server(out)
    assert settings["embedded"] is ON_EMBEDDED
    if ON_EMBEDDED:
        assert out.getvalue() == ""
        return
    assert f"shared_buffers={settings['shared_buffers']}" in out.getvalue()
    assert f"autovacuum={settings['autovacuum']}" in out.getvalue()
