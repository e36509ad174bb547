"""Segments benchmark: set-based criteria actions against their bare SQL.

    .venv/bin/python -m bench.segments_bench                        # small N (20,000)
    .venv/bin/python -m bench.segments_bench --contacts 1000000     # the real run

Uses a database of its own (``crm_bench_segments`` on ``DATABASE_URL``'s server) seeded with
``manage.py seed_demo --contacts N``. For each operation: the service runs once inside a
savepoint with its SQL captured and rolled back (warm-up), the heavy statement(s) of that run
are re-run bare on the raw psycopg connection and rolled back, then the service runs for real
and commits (``total`` = service + COMMIT, where deferred constraints are checked).
``ratio`` = service time / bare time. Targets (issue 5/5 Performance, at 1,000,000 contacts):
add (~335,000 lines), reduce, refine ≤ 3 s; go back ≤ 1 s; log a 100,000-line segment ≤ 10 s
including COMMIT; each ≤ 3× its bare SQL. The log is rolled back
after ``SET CONSTRAINTS ALL IMMEDIATE`` (its deferred checks run, the data set stays as it
was). See bench/README.md, section "Segments".
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MAX_RATIO = 3.0
ADD_SHARE = 0.30
LOG_LINES = 100_000
TARGET_MS = {"add": 3000, "reduce": 3000, "refine": 3000, "go back": 1000, "log": 10000}


def _heavy(sql: str) -> bool:
    """The statements that touch every line: what a bare re-run is compared with."""
    head = sql.lstrip()[:80].upper()
    return head.startswith("WITH") or (
        head.startswith(("INSERT", "DELETE"))
        and any(
            table in head
            for table in (
                "SEGMENTS_SEGMENTLINE",
                "SEGMENTS_SEGMENTHISTORY",
                "INTERACTIONS_INTERACTIONLOGENTRY",
            )
        )
    )


def _bare_ms(statements: list[str]) -> float:
    from django.db import connection

    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return (time.perf_counter() - started) * 1000


def _target(name: str) -> float:
    return next(ms for key, ms in TARGET_MS.items() if name.startswith(key))


def _measure(name: str, run, *, describe: str, keep: bool = True) -> dict:
    """Warm-up with capture (rolled back), bare SQL (rolled back), then the real run.

    ``keep=False`` rolls the real run back after forcing its deferred constraint checks."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        sid = transaction.savepoint_create()
        with CaptureQueriesContext(connection) as ctx:
            run()
        transaction.savepoint_rollback(sid)
        heavy = [q["sql"] for q in ctx.captured_queries if _heavy(q["sql"])]
        sid = transaction.savepoint_create()
        bare = _bare_ms(heavy)
        transaction.savepoint_rollback(sid)
    started = time.perf_counter()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            result = run()
        service = (time.perf_counter() - started) * 1000
        if not keep:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)
    total = (time.perf_counter() - started) * 1000
    commit = total - service  # deferred FK checks
    ratio = service / bare if bare else None
    target = _target(name)
    return {
        "operation": name,
        "filter": describe,
        "service_ms": round(service, 1),
        "commit_ms": round(commit, 1),
        "total_ms": round(total, 1),
        "target_ms": target,
        "bare_sql_ms": round(bare, 1),
        "ratio": round(ratio, 2) if ratio else None,
        "queries": len(ctx.captured_queries),
        "rows": result,
        "passed": ratio is not None and ratio <= MAX_RATIO and total <= target,
    }


def _salesperson_codes(share: float) -> tuple[list[str], int]:
    """Salespeople whose contacts add up to about ``share`` of all contacts."""
    from django.db.models import Count

    from contacts.models import Contact

    total = Contact.objects.count()
    rows = (
        Contact.objects.filter(salesperson__isnull=False)
        .values("salesperson__code")
        .annotate(n=Count("id"))
        .order_by("-n", "salesperson__code")
    )
    codes, covered = [], 0
    for row in rows:
        if covered >= share * total:
            break
        codes.append(row["salesperson__code"])
        covered += row["n"]
    return codes, covered


def run_benchmark(
    *, contacts: int, seed: bool = True, log_lines: int | None = None, stdout=sys.stdout
) -> tuple[list, dict]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from contacts.models import Contact, ContactMailingGroup
    from segments.models import Segment
    from segments.services import segment_criteria_apply, segment_go_back

    if seed and Contact.objects.count() < contacts:
        started = time.monotonic()
        call_command("seed_demo", contacts=contacts, stdout=stdout)
        stdout.write(f"seeded {contacts} contacts in {time.monotonic() - started:.1f} s\n")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = get_user_model().objects.filter(is_superuser=True).first()
    number = f"BENCH{int(time.time())}"
    segment = Segment.objects.create(number=number, description="Segments benchmark")
    codes, covered = _salesperson_codes(ADD_SHARE)
    group = (
        ContactMailingGroup.objects.values("mailing_group__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    country = (
        Contact.objects.exclude(country__isnull=True)
        .values("country__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    add_filters = {"contact": {"salesperson": {"op": "in", "values": codes}}}
    reduce_filters = (
        {"mailing_group": {"mailing_group": {"op": "in", "values": [group["mailing_group__code"]]}}}
        if group
        else {"contact": {"name": {"op": "pattern", "value": "A*"}}}
    )
    refine_filters = (
        {"contact": {"country": {"op": "in", "values": [country["country__code"]]}}}
        if country
        else {"contact": {"type": {"op": "in", "values": ["person"]}}}
    )

    def apply(action, filters):
        def run():
            _row, count = segment_criteria_apply(
                segment=segment, action=action, user=user, filters=filters
            )
            return count

        return run

    def go_back():
        """Rows: the lines the undone action had deleted (re-created by the undo), counted
        before the clock starts: the service itself does not count them."""
        segment_go_back(segment=segment)
        return restored

    ops = [
        (f"add ({covered / max(Contact.objects.count(), 1):.0%} of contacts)", add_filters, "add"),
        ("reduce (mailing group)", reduce_filters, "reduce"),
        ("refine (country)", refine_filters, "refine"),
    ]
    rows = []
    for name, filters, action in ops:
        row = _measure(name, apply(action, filters), describe=json.dumps(filters)[:120])
        rows.append(row)
        stdout.write(f"  {name}: {row['service_ms']} ms (bare {row['bare_sql_ms']} ms)\n")
    from segments.models import SegmentHistory

    last = segment.criteria_actions.order_by("-position").values("position")[:1]
    restored = SegmentHistory.objects.filter(segment=segment, action_position=last).count()
    rows.append(_measure("go back (undo refine)", go_back, describe="last action"))
    log_lines = log_lines or min(LOG_LINES, max(contacts // 10, 1))
    rows.append(_log_row(user=user, lines=log_lines, stdout=stdout))
    meta = {
        "contacts": Contact.objects.count(),
        "segment": number,
        "lines_after": segment.lines.count(),
        "database": connection.settings_dict["NAME"],
        "server": connection.cursor().connection.info.server_version,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    # Leave the database as it was (the benchmark segment is only a scratch list).
    from segments.services import segment_delete

    segment_delete(segment=segment)
    return rows, meta


def _log_row(*, user, lines: int, stdout) -> dict:
    """Log a segment of ``lines`` lines (SEG-41): one interaction per line, set-based."""
    from django.db import connection

    from contacts.models import Contact
    from interactions.models import InteractionTemplate
    from segments.models import Segment
    from segments.services import segment_criteria_apply, segment_delete, segment_log
    from setup.models import Salesperson

    template = InteractionTemplate.objects.order_by("code").first()
    salesperson = Salesperson.objects.order_by("code").first()
    segment = Segment.objects.create(
        number=f"BENCHLOG{int(time.time())}",
        description="Segments benchmark (log)",
        template=template,
        salesperson=salesperson,
    )
    # The first ``lines`` contacts by number that may be logged (one range filter).
    eligible = Contact.objects.filter(is_privacy_blocked=False, exclude_from_segment=False).exclude(
        company__is_privacy_blocked=True
    )
    last = eligible.order_by("number").values_list("number", flat=True)[lines - 1 : lines]
    last = last[0] if last else None
    filters = {"contact": {"number": {"op": "range", "from": "", "to": last}}} if last else {}
    segment_criteria_apply(segment=segment, action="add", user=user, filters=filters)
    count = segment.lines.count()
    stdout.write(f"  log: segment {segment.number} with {count} lines\n")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def run():
        segment_log(segment=segment, user=user)
        return count

    row = _measure(
        f"log segment ({count:,} lines)", run, describe="one interaction per line", keep=False
    )
    segment_delete(segment=segment)
    stdout.write(f"  log: {row['total_ms']} ms (bare {row['bare_sql_ms']} ms)\n")
    return row


def table(rows: list[dict]) -> str:
    header = (
        "operation",
        "rows",
        "service ms",
        "commit ms",
        "total ms",
        "target",
        "bare SQL ms",
        "ratio",
        "queries",
        "result",
    )
    lines = [
        (
            r["operation"],
            str(r["rows"]),
            f"{r['service_ms']:.1f}",
            f"{r['commit_ms']:.1f}",
            f"{r['total_ms']:.1f}",
            f"≤{r['target_ms'] / 1000:g} s, ≤{MAX_RATIO:g}×",
            f"{r['bare_sql_ms']:.1f}",
            "" if r["ratio"] is None else f"{r['ratio']:.2f}×",
            str(r["queries"]),
            "PASS" if r["passed"] else "FAIL",
        )
        for r in rows
    ]
    widths = [max(len(x) for x in col) for col in zip(header, *lines, strict=False)]
    out = ["  ".join(x.ljust(w) for x, w in zip(header, widths, strict=False))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(x.ljust(w) for x, w in zip(line, widths, strict=False)) for line in lines]
    return "\n".join(out)


def write_json(rows: list[dict], meta: dict, output_dir: Path | None = None) -> Path:
    from bench import measure  # adds which run it is: commit, load, server settings

    return measure.write_json("segments", rows, meta, output_dir or RESULTS_DIR)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.segments_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--database", default="crm_bench_segments")
    parser.add_argument("--current-db", action="store_true")
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--output-dir", type=Path, default=None)
    parser.add_argument(
        "--log-lines", type=int, default=None, help="lines of the logged segment (N/10, ≤100,000)"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    if not args.current_db:
        from bench.measure import bench_database_url

        os.environ["DATABASE_URL"] = bench_database_url(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    rows, meta = run_benchmark(
        contacts=args.contacts, seed=not args.no_seed, log_lines=args.log_lines
    )
    path = write_json(rows, meta, args.output_dir)
    print()
    print(f"{meta['contacts']} contacts, PostgreSQL {meta['server']}")
    print(table(rows))
    print(f"\nJSON: {path}")
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
