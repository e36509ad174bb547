"""The contacts benchmark harness runs end to end at a tiny size inside the test database."""

import io
import json

import pytest

from bench.contacts_bench import run_benchmark


@pytest.mark.django_db
def test_contacts_bench_writes_a_row_per_operation(tmp_path):
    # given: 300 demo contacts seeded into the test database by the harness itself
    out = io.StringIO()
    # when
    rows, path = run_benchmark(
        contacts=300, repeat=3, import_rows=40, output_dir=tmp_path, stdout=out
    )
    # then
    data = json.loads(path.read_text(encoding="utf-8"))
    assert path.parent == tmp_path
    assert path.name.startswith("contacts-")
    assert data["meta"]["contacts"] == 300
    assert [r["operation"] for r in data["rows"]] == [r.operation for r in rows]
    assert len(data["rows"]) == 11
    assert any(r["operation"].startswith("search rare phone") for r in data["rows"])
    errors = [f"{r['operation']}: {r['detail']}" for r in data["rows"] if r["status"] == "error"]
    assert not errors, errors
    for row in data["rows"]:
        assert row["status"] in {"ok", "not available"}
        if row["status"] == "ok":
            assert row["runs"] >= 1
            assert row["p50_ms"] is not None
            assert row["p95_ms"] >= row["p50_ms"]
            assert row["queries"] is not None
            assert row["passed"] in {True, False}
