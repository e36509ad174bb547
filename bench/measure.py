"""Timing, query capture and bare-SQL comparison shared by the benchmarks of every area.

A benchmark is a list of ``Operation``s. Each one is looked up at run time (a URL name, a
service function) and reported as "not available" while the area has not built it yet, so
one harness serves the project as it grows. ``measure`` times the repetitions, counts the
SQL statements of one of them (``CaptureQueriesContext``) and re-runs those statements bare
on the same psycopg connection, which gives the framework's share of the time.

Every result file says which run it is (``run_meta``): the git commit, the machine's load
average before and after, its cores and memory, and the PostgreSQL settings that decide the
figures (and whether the server is the embedded one the product configures). The plumbing the
page benchmarks share (options, database, seeding, the measuring loop) is here too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import connection
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
# Settings that decide a benchmark's figures, recorded in every result file.
SERVER_SETTINGS = [
    "server_version",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "autovacuum",
    "max_wal_size",
    "random_page_cost",
    "jit",
]
_run_started = {"loadavg": os.getloadavg(), "at": time.time()}


class NotAvailable(Exception):
    """The page or service an operation needs does not exist (yet)."""


@dataclass
class Target:
    p50_ms: float | None = None
    max_queries: int | None = None
    max_ratio: float | None = None
    # p50 ≤ the layout-only page's p50 (the "floor:" row of the same run) + the page's bare
    # SQL + this many ms: what the page adds over the shell and its own SQL.
    max_over_floor_ms: float | None = None

    def describe(self) -> str:
        parts = []
        if self.p50_ms is not None:
            parts.append(
                f"p50≤{self.p50_ms:g}ms" if self.p50_ms < 1000 else f"p50≤{self.p50_ms / 1000:g}s"
            )
        if self.max_over_floor_ms is not None:
            parts.append(f"≤floor+SQL+{self.max_over_floor_ms:g}ms")
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
            head = sql.lstrip().upper()
            # A statement list whose plan settings frame a SELECT (contacts' match count).
            framed = head.startswith("SET LOCAL") and "SELECT" in head
            if not (head.startswith(("SELECT", "WITH")) or framed):
                continue
            times = []
            for _ in range(max(repeat, 1)):
                started = time.perf_counter()
                cursor.execute(sql)
                while True:
                    if cursor.description is not None:
                        cursor.fetchall()
                    if not cursor.nextset():
                        break
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


def passed(row: Row, target: Target, floor_ms: float | None = None) -> bool:
    ok = True
    if target.p50_ms is not None:
        ok &= row.p50_ms is not None and row.p50_ms <= target.p50_ms
    if target.max_queries is not None:
        ok &= row.queries is not None and row.queries <= target.max_queries
    if target.max_ratio is not None and row.ratio is not None:
        ok &= row.ratio <= target.max_ratio
    if target.max_over_floor_ms is not None:
        # Without a floor measured in the same run the rule cannot be checked: it fails.
        ok &= (
            floor_ms is not None
            and row.p50_ms is not None
            and row.p50_ms <= floor_ms + (row.bare_sql_ms or 0) + target.max_over_floor_ms
        )
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
    meta = {**meta, "run": run_meta()}
    for line in describe_server(meta["run"]["postgresql"]):
        print(line)
    path.write_text(
        json.dumps(
            {"meta": meta, "rows": [r if isinstance(r, dict) else asdict(r) for r in rows]},
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    return path


# --------------------------------------------------------------------------------------------
# Which run is it: commit, load, machine, server
# --------------------------------------------------------------------------------------------


def run_started() -> None:
    """Mark the start of a run: ``run_meta`` reports the load average from here (the default
    is when this module was imported)."""
    _run_started.update(loadavg=os.getloadavg(), at=time.time())


def git_commit() -> dict:
    def git(*args: str) -> str:
        try:
            result = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    return {
        "commit": commit or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")) if commit else None,
    }


def _embedded_data_dir() -> Path | None:
    from scripts.launch import ensure_database

    server = getattr(ensure_database, "server", None)
    return Path(server.pgdata).resolve() if server is not None else None


def server_settings(cursor) -> dict:
    """The server's settings of ``SERVER_SETTINGS``, its database size and whether it is the
    embedded PostgreSQL (``scripts/launch.py``) rather than a server named by DATABASE_URL."""
    cursor.execute(
        "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
        [SERVER_SETTINGS],
    )
    out = dict(cursor.fetchall())
    cursor.execute(
        "SELECT current_database(), pg_database_size(current_database()), "
        "(SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'), "
        "current_setting('data_directory', true)"
    )
    database, size, shared_bytes, data_directory = cursor.fetchone()
    embedded_dir = _embedded_data_dir()
    default_dir = (ROOT / ".data" / "pg").resolve()
    out.update(
        database=database,
        database_bytes=size,
        shared_buffers_bytes=shared_bytes,
        embedded=bool(data_directory)
        and Path(data_directory).resolve() in {default_dir, embedded_dir},
    )
    return out


def _server_settings_now() -> dict | None:
    """Read through Django's connection when Django is set up, else ``DATABASE_URL``."""
    try:
        from django.conf import settings

        if settings.configured:
            from django.db import connection

            with connection.cursor() as cursor:
                return server_settings(cursor)
    except Exception as exc:  # a broken connection must not lose the results
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import psycopg

    try:
        with psycopg.connect(url) as conn, conn.cursor() as cursor:
            return server_settings(cursor)
    except psycopg.Error as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}


def run_meta() -> dict:
    """What makes a run comparable: commit, load before/after, machine, server settings."""
    from scripts.launch import machine_memory

    return {
        **git_commit(),
        "loadavg_before": [round(x, 2) for x in _run_started["loadavg"]],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_run_started["at"])),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "memory_bytes": machine_memory(),
        "postgresql": _server_settings_now(),
    }


def server_warnings(settings: dict | None) -> list[str]:
    """Why figures from this server may not be comparable with the embedded server's."""
    if not settings or "error" in settings:
        return []
    out = []
    if settings.get("autovacuum") != "on":
        out.append(
            "autovacuum is off: bulk-loaded tables keep no visibility map and stale "
            "statistics unless the benchmark runs VACUUM (ANALYZE)"
        )
    if (settings.get("shared_buffers_bytes") or 0) < (settings.get("database_bytes") or 0):
        out.append(
            f"shared_buffers ({settings['shared_buffers']}) is below the working set "
            f"(database {settings['database']}: {settings['database_bytes'] // 2**20} MB): "
            "the figures measure buffer evictions"
        )
    return out


def describe_server(settings: dict | None) -> list[str]:
    """Lines to print for a server that is not the embedded one: its settings, WARNINGs."""
    if not settings or "error" in settings or settings.get("embedded"):
        return []
    shown = " ".join(f"{k}={settings[k]}" for k in SERVER_SETTINGS if k in settings)
    lines = [f"PostgreSQL from DATABASE_URL (not the embedded server): {shown}"]
    return lines + [f"WARNING: {warning}" for warning in server_warnings(settings)]


def report_server(stdout=sys.stdout) -> dict | None:
    """Print the server's settings when it is not the embedded one, with WARNING lines."""
    settings = _server_settings_now()
    for line in describe_server(settings):
        stdout.write(line + "\n")
    return settings


# --------------------------------------------------------------------------------------------
# Page benchmarks' plumbing (contacts, pickers)
# --------------------------------------------------------------------------------------------


def url(name: str, *args) -> str:
    """``reverse(name)``, or ``NotAvailable`` while the area has not built the page yet."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch as exc:
        raise NotAvailable(f"URL {name} missing") from exc


def page_bench_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options every page benchmark takes (see bench/README.md, Contacts)."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="runs per operation")
    parser.add_argument(
        "--database",
        default="crm_bench",
        help="database name on DATABASE_URL's server, or the embedded server (default crm_bench)",
    )
    parser.add_argument(
        "--current-db",
        action="store_true",
        help="use DATABASE_URL as it is instead of a separate database",
    )
    parser.add_argument("--no-seed", action="store_true", help="measure the data as it is")
    parser.add_argument("--only", nargs="*", help="operations whose name contains a word")
    parser.add_argument("--output-dir", type=Path, default=None)
    return parser


def page_bench_setup(args: argparse.Namespace) -> None:
    """Database (embedded unless DATABASE_URL), Django, test environment, migrations."""
    run_started()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    if not args.current_db:
        os.environ["DATABASE_URL"] = bench_database_url(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)  # testserver host, locmem mail; DEBUG stays off
    call_command("migrate", verbosity=0, interactive=False)
    report_server()


def seed_contacts(contacts: int, stdout=sys.stdout) -> None:
    """``seed_demo --contacts N`` when the database holds fewer (it ends with VACUUM ANALYZE)."""
    from django.core.management import call_command

    from contacts.models import Contact

    if Contact.objects.count() < contacts:
        started = time.monotonic()
        call_command("seed_demo", contacts=contacts, stdout=stdout)
        stdout.write(f"seeded {contacts} contacts in {time.monotonic() - started:.1f} s\n")


def measure_all(
    operations: list[Operation], repeat: int, only: list[str] | None, stdout=sys.stdout
) -> list[Row]:
    """``measure`` each operation (those whose name contains a word of ``only``)."""
    rows = []
    for op in operations:
        if only and not any(word in op.name for word in only):
            continue
        row = measure(op, repeat)
        rows.append(row)
        stdout.write(f"  {op.name}: {row.status} {row.p50_ms or ''}\n")
    floor = next((r.p50_ms for r in rows if r.operation.startswith("floor:")), None)
    targets = {op.name: op.target for op in operations}
    for row in rows:
        if row.status == "ok" and targets[row.operation].max_over_floor_ms is not None:
            row.passed = passed(row, targets[row.operation], floor)
    return rows


def page_bench_meta(repeat: int, **extra) -> dict:
    from django.db import connection

    from contacts.models import Contact

    return {
        "contacts": Contact.objects.count(),
        "repeat": repeat,
        **extra,
        "database": connection.settings_dict["NAME"],
        "server": connection.cursor().connection.info.server_version,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


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
