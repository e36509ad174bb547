"""Interactions benchmark: set-based bulk logging against COPY, and the interaction log list.

    .venv/bin/python -m bench.interactions_bench                      # CI smoke (small N)
    .venv/bin/python -m bench.interactions_bench --entries 5000000    # the real run

Uses a database of its own (``crm_bench_interactions`` on ``DATABASE_URL``'s server). See
bench/README.md, section "Interactions".
"""

import argparse
import io
import os
import sys
import time
import uuid
from pathlib import Path

from bench.measure import NotAvailable, Operation, Row, Target, measure, table, write_json

BULK_ROWS = 100_000
BULK_TARGET_S = 10.0
BULK_MAX_RATIO = 3.0
PAGE_TARGET = Target(p50_ms=50, max_queries=12)  # the issue: p50 ≤ 50 ms, ≤ 12 queries
CONTACT_PREFIX = "IBENCH"


def _contacts(count: int) -> tuple[int, int]:
    """At least ``count`` bench contacts (generated set-based once); their id range."""
    from django.db.models import Max, Min

    from contacts.models import Contact
    from tests.factories.interactions import contacts_generate

    mine = Contact.objects.filter(number__startswith=CONTACT_PREFIX)
    have = mine.count()
    if have < count:
        contacts_generate(count - have, prefix=f"{CONTACT_PREFIX}{uuid.uuid4().hex[:4]}")
    bounds = mine.aggregate(low=Min("id"), high=Max("id"))
    return bounds["low"], bounds["high"]


def _template_and_salespeople():
    from interactions.models import InteractionGroup, InteractionTemplate
    from setup.models import Salesperson

    group, _created = InteractionGroup.objects.get_or_create(code="BENCH")
    template, _created = InteractionTemplate.objects.get_or_create(
        code="BENCH",
        defaults={
            "group": group,
            "description": "Bench mailing",
            "unit_cost": 1,
            "unit_duration_min": 2,
            "correspondence_type": "",
        },
    )
    salespeople = [
        Salesperson.objects.get_or_create(code=f"BENCH{i}", defaults={"name": f"Bench {i}"})[0]
        for i in range(10)
    ]
    return template, salespeople


def _entries_generate(count: int, *, low: int, high: int, template, salespeople) -> None:
    """Top the log up with ``count`` entries, one INSERT … SELECT over generate_series."""
    from django.db import connection

    from interactions.models import InteractionLogEntry

    if count <= 0:
        return
    span = high - low + 1
    sp_ids = [s.pk for s in salespeople]
    explicit = {
        "contact_id": f"{low} + (g::bigint * 7919) % {span}",
        "contact_company_id": f"{low} + (g::bigint * 7919) % {span}",
        "date": "current_date - (g % 3650)",
        "description": "'Bench ' || g",
        "salesperson_id": f"(ARRAY{sp_ids}::bigint[])[1 + g % {len(sp_ids)}]",
        "template_id": str(template.pk),
        "group_id": str(template.group_id),
        "cost": "1",
        "duration_min": "2",
        "is_canceled": "g % 50 = 0",
        "is_postponed": "g % 1000 = 0",
        "created_at": "now()",
        "updated_at": "now()",
    }
    columns, expressions, params = [], [], []
    for field in InteractionLogEntry._meta.concrete_fields:
        if field.primary_key or field.attname == "entry_no":
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in explicit:
            expressions.append(explicit[field.attname].replace("%", "%%"))
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    step = 1_000_000
    with connection.cursor() as cursor:
        for start in range(1, count + 1, step):
            stop = min(start + step - 1, count)
            cursor.execute(
                f"INSERT INTO {InteractionLogEntry._meta.db_table} ({', '.join(columns)}) "
                f"SELECT {', '.join(expressions)} FROM generate_series(%s, %s) g",
                [*params, start, stop],
            )
        cursor.execute(f"VACUUM ANALYZE {InteractionLogEntry._meta.db_table}")


def bulk_vs_copy(*, rows: int, low: int, template) -> list[Row]:
    """Bulk-log ``rows`` contacts through the service, then COPY the same rows back in."""
    from django.db import connection

    from crm.services import bulk_job_create
    from interactions.models import InteractionLogEntry
    from interactions.services import interactions_bulk_log

    table_name = InteractionLogEntry._meta.db_table
    job = bulk_job_create(
        kind="interactions_bulk_log",
        params={
            "template_id": template.pk,
            "description": "Bench bulk",
            "date": time.strftime("%Y-%m-%d"),
            "contact_sql": "SELECT id FROM contacts_contact WHERE id >= %s ORDER BY id LIMIT %s",
            "contact_sql_params": [low, rows],
        },
    )
    started = time.perf_counter()
    interactions_bulk_log(job_id=job.pk)
    bulk_s = time.perf_counter() - started
    logged = InteractionLogEntry.objects.filter(bulk_job=job).count()

    copy_job = bulk_job_create(kind="interactions_bench_copy")
    columns = [
        connection.ops.quote_name(f.column)
        for f in InteractionLogEntry._meta.concrete_fields
        if not f.primary_key and f.attname != "entry_no"
    ]
    selected = [str(copy_job.pk) if c == '"bulk_job_id"' else c for c in columns]
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            f"COPY (SELECT {', '.join(selected)} FROM {table_name} "
            f"WHERE bulk_job_id = {int(job.pk)}) TO STDOUT"
        ) as copy:
            for data in copy:
                buffer.write(data)
        started = time.perf_counter()
        with raw.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        copy_s = time.perf_counter() - started
        copied = InteractionLogEntry.objects.filter(bulk_job=copy_job).count()
        cursor.execute(
            f"DELETE FROM {table_name} WHERE bulk_job_id IN (%s, %s)",
            [job.pk, copy_job.pk],
        )
        # The deleted rows are the newest: vacuum them away before the list is measured.
        cursor.execute(f"VACUUM ANALYZE {table_name}")
    ratio = bulk_s / copy_s if copy_s else None
    bulk_row = Row(
        operation=f"bulk log {rows:,} (INSERT … SELECT, batches)",
        status="ok",
        runs=1,
        p50_ms=round(bulk_s * 1000, 1),
        p95_ms=round(bulk_s * 1000, 1),
        ratio=round(ratio, 2) if ratio else None,
        target=f"≤{BULK_TARGET_S:g}s ≤{BULK_MAX_RATIO:g}×COPY",
        passed=bool(
            logged == rows
            and bulk_s <= BULK_TARGET_S
            and ratio is not None
            and ratio <= BULK_MAX_RATIO
        ),
        checks={"logged": logged, "copy_s": round(copy_s, 3), "bulk_s": round(bulk_s, 3)},
    )
    copy_row = Row(
        operation=f"COPY of the same {rows:,} rows",
        status="ok",
        runs=1,
        p50_ms=round(copy_s * 1000, 1),
        p95_ms=round(copy_s * 1000, 1),
        target="reference",
        passed=copied == rows,
        checks={"copied": copied},
    )
    return [bulk_row, copy_row]


def page_operations(client, *, salesperson, company_id) -> list[Operation]:
    from django.urls import NoReverseMatch, reverse

    def page(query: dict):
        def prepare():
            try:
                url = reverse("interactions:index")
            except NoReverseMatch as exc:
                raise NotAvailable("interactions:index missing") from exc

            def run():
                response = client.get(url, query)
                if response.status_code != 200 or "page_obj" not in (response.context or {}):
                    raise NotAvailable(f"status {response.status_code}")
                return {"rows": len(response.context["object_list"])}

            return run

        return prepare

    return [
        Operation("log list page 1", page({}), PAGE_TARGET),
        Operation("log list page 2", page({"page": 2}), PAGE_TARGET),
        Operation("log list oldest first (the tail)", page({"order": "oldest"}), PAGE_TARGET),
        Operation("log list by salesperson", page({"salesperson": salesperson.pk}), PAGE_TARGET),
        Operation("log list by company", page({"company": company_id}), PAGE_TARGET),
        Operation(
            "log list canceled, date range",
            page({"canceled": "true", "date_after": "2020-01-01", "date_before": "2024-12-31"}),
            PAGE_TARGET,
        ),
        Operation("postponed page", page({"postponed": "true"}), PAGE_TARGET),
    ]


def run_benchmark(
    *,
    entries: int,
    bulk_rows: int = BULK_ROWS,
    repeat: int = 20,
    output_dir: Path | None = None,
    stdout=sys.stdout,
) -> tuple[list[Row], Path]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from interactions.models import InteractionLogEntry

    low, high = _contacts(max(bulk_rows, 1000))
    template, salespeople = _template_and_salespeople()
    have = InteractionLogEntry.objects.filter(bulk_job__isnull=True).count()
    started = time.monotonic()
    _entries_generate(
        entries - have, low=low, high=high, template=template, salespeople=salespeople
    )
    stdout.write(
        f"log holds {max(entries, have):,} entries "
        f"(generated in {time.monotonic() - started:.1f} s)\n"
    )
    rows = bulk_vs_copy(rows=bulk_rows, low=low, template=template)
    for row in rows:
        stdout.write(f"  {row.operation}: {row.p50_ms} ms\n")

    user_model = get_user_model()
    user = user_model.objects.filter(is_superuser=True).first() or (
        user_model.objects.create_superuser("bench-admin", password=uuid.uuid4().hex)
    )
    client = Client()
    client.force_login(user)
    for op in page_operations(client, salesperson=salespeople[0], company_id=low + 7919):
        row = measure(op, repeat)
        rows.append(row)
        stdout.write(f"  {op.name}: {row.status} {row.p50_ms or ''}\n")
    meta = {
        "entries": max(entries, have),
        "bulk_rows": bulk_rows,
        "repeat": repeat,
        "database": connection.settings_dict["NAME"],
        "server": connection.cursor().connection.info.server_version,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return rows, write_json("interactions", rows, meta, output_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.interactions_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--entries", type=int, default=20_000, help="log size for the list")
    parser.add_argument("--bulk-rows", type=int, default=BULK_ROWS)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default="crm_bench_interactions")
    parser.add_argument("--current-db", action="store_true")
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    if not args.current_db:
        from bench.measure import bench_database_url

        os.environ["DATABASE_URL"] = bench_database_url(args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    call_command("migrate", verbosity=0, interactive=False)
    rows, path = run_benchmark(
        entries=args.entries,
        bulk_rows=args.bulk_rows,
        repeat=args.repeat,
        output_dir=args.output_dir,
    )
    print()
    print(table(rows))
    print(f"\nJSON: {path}")
    return 0 if all(r.passed for r in rows if r.status == "ok") else 1


if __name__ == "__main__":
    sys.exit(main())
