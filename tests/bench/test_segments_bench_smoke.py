"""The segments benchmark runs end to end at a tiny size inside the test database."""

import io

import pytest

from bench.segments_bench import run_benchmark, table

pytestmark = pytest.mark.django_db(transaction=True)


def test_segments_bench_measures_every_action_and_the_log():
    out = io.StringIO()
    rows, meta = run_benchmark(contacts=300, stdout=out)
    names = [r["operation"] for r in rows]
    assert [n.split(" ")[0] for n in names] == ["add", "reduce", "refine", "go", "log"]
    assert meta["contacts"] == 300
    add, _reduce, _refine, _go_back, log = rows
    assert add["rows"] > 0
    assert log["rows"] == 30  # a tenth of the contacts, one interaction each (rolled back)
    for row in rows:
        assert row["total_ms"] >= row["service_ms"] > 0
        assert row["bare_sql_ms"] > 0, row["operation"]
        assert row["target_ms"] in {1000, 3000, 10000}
    assert "log segment (30 lines)" in table(rows)
    # the benchmark leaves no segment and no logged interaction behind
    from interactions.models import InteractionLogEntry
    from segments.models import LoggedSegment, Segment

    assert not Segment.objects.filter(number__startswith="BENCH").exists()
    assert not LoggedSegment.objects.filter(segment_number__startswith="BENCH").exists()
    assert not InteractionLogEntry.objects.filter(segment_number__startswith="BENCH").exists()
