"""Timing, query capture and bare-SQL comparison shared by the benchmarks of every area.

A benchmark is a list of ``Operation``s. Each one is looked up at run time (a URL name, a
service function) and reported as "not available" while the area has not built it yet, so
one harness serves the project as it grows. ``measure`` times the repetitions, counts the
SQL statements of one of them (``CaptureQueriesContext``) and re-runs those statements bare
on the same psycopg connection, which gives the framework's share of the time.
"""

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import connection
from django.test.utils import CaptureQueriesContext

RESULTS_DIR = Path(__file__).resolve().parent / "results"


class NotAvailable(Exception):
    """The page or service an operation needs does not exist (yet)."""


@dataclass
class Target:
    p50_ms: float | None = None
    max_queries: int | None = None
    max_ratio: float | None = None

    def describe(self) -> str:
        parts = []
        if self.p50_ms is not None:
            parts.append(
                f"p50≤{self.p50_ms:g}ms" if self.p50_ms < 1000 else f"p50≤{self.p50_ms / 1000:g}s"
            )
        if self.max_ratio is not None:
            parts.append(f"≤{self.max_ratio:g}×SQL")
        if self.max_queries is not None:
            parts.append(f"≤{self.max_queries}q")
        return " ".join(parts)


@dataclass
class Operation:
    """``prepare()`` returns the callable to time, or raises ``NotAvailable``.

    ``bare_sql``: re-run the statements bare and report the ratio (pages and searches).
    ``repeat``: overrides the run's repetitions (1 for a 100k-row import).
    """

    name: str
    prepare: Callable[[], Callable[[], object]]
    target: Target
    bare_sql: bool = True
    repeat: int | None = None


@dataclass
class Row:
    operation: str
    status: str  # "ok", "not available", "error"
    detail: str = ""
    runs: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    bare_sql_ms: float | None = None
    slowest_sql_ms: float | None = None
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    slowest_sql: str = ""
    top_statements: list = field(default_factory=list)  # [ms, sql] of the captured run
    checks: dict = field(default_factory=dict)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def bare_timings(statements: list[str], repeat: int) -> list[tuple[str, float]]:
    """Median time of each SELECT run bare through the psycopg connection, in ms.

    The same raw connection Django uses, so a test's uncommitted rows are visible too; no
    Django cursor wrapper, no model instances, just ``execute`` and ``fetchall``.
    """
    connection.ensure_connection()
    raw = connection.connection
    out = []
    with raw.cursor() as cursor:
        for sql in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            times = []
            for _ in range(max(repeat, 1)):
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                times.append((time.perf_counter() - started) * 1000)
            out.append((sql, statistics.median(times)))
    return out


def measure(op: Operation, repeat: int) -> Row:
    row = Row(operation=op.name, status="ok", target=op.target.describe())
    try:
        run = op.prepare()
    except NotAvailable as exc:
        row.status, row.detail = "not available", str(exc)
        return row
    repeat = op.repeat or repeat
    times = []
    captured: list[str] = []
    try:
        if op.repeat is None:
            run()  # warm-up: caches, first-request imports
        for i in range(repeat):
            started = time.perf_counter()
            if i == 0:
                with CaptureQueriesContext(connection) as ctx:
                    result = run()
                captured = [q["sql"] for q in ctx.captured_queries]
                top = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:3]
                row.top_statements = [
                    [round(float(q["time"]) * 1000, 1), q["sql"][:500]] for q in top
                ]
            else:
                result = run()
            times.append((time.perf_counter() - started) * 1000)
            if isinstance(result, dict):
                row.checks = result
    except NotAvailable as exc:
        row.status, row.detail = "not available", str(exc)
        return row
    except Exception as exc:
        row.status, row.detail = "error", f"{type(exc).__name__}: {exc}"[:300]
        return row
    row.runs = len(times)
    row.p50_ms = round(statistics.median(times), 2)
    row.p95_ms = round(percentile(times, 95), 2)
    row.queries = len(captured)
    if op.bare_sql and captured:
        bare = bare_timings(captured, repeat)
        if bare:
            row.bare_sql_ms = round(sum(ms for _sql, ms in bare), 3)
            slowest_sql, slowest_ms = max(bare, key=lambda item: item[1])
            row.slowest_sql_ms = round(slowest_ms, 3)
            row.slowest_sql = slowest_sql[:2000]
            row.ratio = round(row.p50_ms / row.bare_sql_ms, 2) if row.bare_sql_ms else None
    row.passed = passed(row, op.target)
    return row


def passed(row: Row, target: Target) -> bool:
    ok = True
    if target.p50_ms is not None:
        ok &= row.p50_ms is not None and row.p50_ms <= target.p50_ms
    if target.max_queries is not None:
        ok &= row.queries is not None and row.queries <= target.max_queries
    if target.max_ratio is not None and row.ratio is not None:
        ok &= row.ratio <= target.max_ratio
    return bool(ok)


def table(rows: list[Row]) -> str:
    header = ("operation", "p50 ms", "p95 ms", "queries", "SQL ms", "ratio", "target", "result")
    lines = []
    for r in rows:
        if r.status != "ok":
            lines.append(
                (r.operation, "", "", "", "", "", r.target, f"{r.status.upper()}: {r.detail}"[:70])
            )
            continue
        lines.append(
            (
                r.operation,
                f"{r.p50_ms:.1f}",
                f"{r.p95_ms:.1f}",
                str(r.queries),
                "" if r.bare_sql_ms is None else f"{r.bare_sql_ms:.1f}",
                "" if r.ratio is None else f"{r.ratio:.2f}×",
                r.target,
                ("PASS" if r.passed else "FAIL") if r.target else "info",
            )
        )
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=False)]
    out = []
    for i, line in enumerate([header, *lines]):
        out.append("  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=False)))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def write_json(name: str, rows: list[Row], meta: dict, output_dir: Path | None = None) -> Path:
    output_dir = Path(output_dir or RESULTS_DIR)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    path = output_dir / f"{name}-{stamp}.json"
    path.write_text(
        json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2, default=str),
        encoding="utf-8",
    )
    return path


def bench_database_url(dbname: str) -> str:
    """``DATABASE_URL``'s server with ``dbname`` (created when missing); else embedded PG."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        from scripts.launch import ensure_database

        return ensure_database(dbname)
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
    return urlunparse(parsed._replace(path=f"/{dbname}"))
