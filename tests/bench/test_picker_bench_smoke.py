"""The picker benchmark harness runs end to end at a tiny size inside the test database."""

import io
import json

import pytest

from bench.picker_bench import run_benchmark


@pytest.mark.django_db
def test_picker_bench_writes_a_row_per_operation(tmp_path):
    # given: 300 demo contacts seeded into the test database by the harness itself
    out = io.StringIO()
    # when
    rows, path = run_benchmark(contacts=300, repeat=3, output_dir=tmp_path, stdout=out)
    # then
    data = json.loads(path.read_text(encoding="utf-8"))
    assert path.parent == tmp_path
    assert path.name.startswith("pickers-")
    assert data["meta"]["contacts"] == 300
    assert [r["operation"] for r in data["rows"]] == [r.operation for r in rows]
    assert len(data["rows"]) == 11
    errors = [f"{r['operation']}: {r['detail']}" for r in data["rows"] if r["status"] != "ok"]
    assert not errors, errors
    for row in data["rows"]:
        assert row["runs"] == 3
        assert row["p95_ms"] >= row["p50_ms"]
        assert row["queries"] >= 1
    searches = {r["operation"]: r for r in data["rows"] if r["operation"].startswith("search ")}
    assert len(searches) == 7
    prefix = next(r for name, r in searches.items() if name.startswith("search name prefix"))
    assert 1 <= prefix["checks"]["results"] <= 20  # the first company's prefix finds it
    assert searches["search no match 'qxzqx'"]["checks"]["results"] == 0
    pages = [r for r in data["rows"] if r["operation"].startswith("page: ")]
    assert len(pages) == 3
    assert all(r["checks"]["bytes"] < 500_000 for r in pages)
