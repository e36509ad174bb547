"""Opportunities benchmark: pipeline board, weighted forecast and list at N opportunities.

    .venv/bin/python -m bench.opportunities_bench                           # small (CI smoke)
    .venv/bin/python -m bench.opportunities_bench --opportunities 200000    # the real run

Uses a database of its own (``crm_bench_opportunities`` on ``DATABASE_URL``'s server). See
bench/README.md, section "Opportunities".
"""

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

from bench.measure import NotAvailable, Operation, Row, Target, measure, table, write_json

# Issue target: p50 ≤ 80 ms at 200,000 opportunities, bounded queries; the ratio is reported.
PAGE_TARGET = Target(p50_ms=80, max_queries=10)
PREFIX = "OB"
STAGES = 6
COMPANIES = 2000


def _fixtures():
    from contacts.models import Contact
    from opportunities.models import SalesCycle, SalesCycleStage
    from setup.models import Salesperson

    cycle, _created = SalesCycle.objects.get_or_create(
        code="OBENCH", defaults={"description": "Bench cycle"}
    )
    for number in range(1, STAGES + 1):
        SalesCycleStage.objects.get_or_create(
            sales_cycle=cycle,
            stage=number,
            defaults={
                "description": f"Stage {number}",
                "completed_percent": number * 100 // STAGES,
                "chances_percent": 50,
                "date_formula": "+1M",
            },
        )
    salespeople = [
        Salesperson.objects.get_or_create(code=f"OBENCH{i}", defaults={"name": f"Bench {i}"})[0]
        for i in range(10)
    ]
    have = Contact.objects.filter(number__startswith=f"{PREFIX}C").count()
    if have < COMPANIES:
        Contact.objects.bulk_create(
            [
                Contact(
                    number=f"{PREFIX}C{i:06d}",
                    name=f"Bench company {i}",
                    search_name=f"BENCH COMPANY {i}",
                )
                for i in range(have, COMPANIES)
            ],
            batch_size=1000,
        )
        Contact.objects.filter(number__startswith=f"{PREFIX}C", company__isnull=True).update(
            company=models_f("pk")
        )
    return cycle, salespeople


def models_f(name):
    from django.db.models import F

    return F(name)


def _generate(count: int, *, cycle, salespeople) -> None:
    """``count`` more opportunities with one active entry each: two INSERT … SELECT (the entry
    table's triggers keep the pipeline summary in step)."""
    if count <= 0:
        return
    from django.db import connection, transaction

    from contacts.models import Contact

    ids = list(Contact.objects.filter(number__startswith=f"{PREFIX}C").values_list("pk", flat=True))
    sp_low, sp_high = min(s.pk for s in salespeople), max(s.pk for s in salespeople)
    batch = uuid.uuid4().hex[:6].upper()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO opportunities_opportunity (created_at, updated_at, number, description,
                salesperson_id, contact_id, contact_company_id, segment_number, sales_cycle_id,
                sales_document_kind, sales_document_number, creation_date, status, priority,
                is_closed, date_closed)
            SELECT now(), now(), %(prefix)s || lpad(g::text, 9, '0'), 'Bench deal ' || g,
                %(sp_low)s + (g %% (%(sp_high)s - %(sp_low)s + 1)),
                (%(ids)s::bigint[])[1 + g %% %(n)s], (%(ids)s::bigint[])[1 + g %% %(n)s],
                '', %(cycle)s, '', '', current_date - (g %% 365)::int,
                CASE WHEN g %% 10 = 0 THEN 'lost' ELSE 'in_progress' END, 'normal',
                g %% 10 = 0, CASE WHEN g %% 10 = 0 THEN current_date END
            FROM generate_series(1, %(count)s) AS g
            """,
            {
                "prefix": f"{PREFIX}{batch}",
                "sp_low": sp_low,
                "sp_high": sp_high,
                "ids": ids,
                "n": len(ids),
                "cycle": cycle.pk,
                "count": count,
            },
        )
        cursor.execute(
            """
            INSERT INTO opportunities_opportunityentry (created_at, updated_at, opportunity_id,
                sales_cycle_id, stage, contact_id, contact_company_id, salesperson_id,
                date_of_change, is_active, days_open, action_taken, estimated_value,
                calculated_current_value, completed_percent, chances_percent,
                probability_percent, estimated_close_date, cancel_old_tasks)
            SELECT now(), now(), o.id, o.sales_cycle_id, 1 + o.id %% %(stages)s, o.contact_id,
                o.contact_company_id, o.salesperson_id, o.creation_date, true, 0,
                CASE WHEN o.is_closed THEN 'lost' ELSE 'next' END,
                1000 + (o.id %% 50) * 100,
                CASE WHEN o.is_closed THEN 0 ELSE (1000 + (o.id %% 50) * 100) / 4 END,
                50, 50, 25, o.creation_date + (30 + o.id %% 400)::int, false
            FROM opportunities_opportunity o
            WHERE o.number LIKE %(like)s
            """,
            {"stages": STAGES, "like": f"{PREFIX}{batch}%"},
        )


def _vacuum() -> None:
    """Steady state: visibility map set, so the covering indexes answer index-only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE opportunities_opportunity")
        cursor.execute("VACUUM ANALYZE opportunities_opportunityentry")
        cursor.execute("VACUUM ANALYZE opportunities_opportunitypipelinesummary")


def page_operations(client, *, cycle) -> list[Operation]:
    from django.urls import NoReverseMatch, reverse

    def page(name: str, query: dict, key: str):
        def prepare():
            try:
                url = reverse(name)
            except NoReverseMatch as exc:
                raise NotAvailable(f"{name} missing") from exc

            def run():
                response = client.get(url, query)
                if response.status_code != 200 or key not in (response.context or {}):
                    raise NotAvailable(f"status {response.status_code}")
                return {}

            return run

        return prepare

    return [
        Operation(
            "pipeline board",
            page("opportunities:pipeline", {"cycle": cycle.pk}, "columns"),
            PAGE_TARGET,
        ),
        Operation("forecast (all cycles)", page("opportunities:forecast", {}, "rows"), PAGE_TARGET),
        Operation(
            "forecast (one cycle)",
            page("opportunities:forecast", {"cycle": cycle.pk}, "rows"),
            PAGE_TARGET,
        ),
        Operation(
            "opportunity list page 1", page("opportunities:index", {}, "page_obj"), PAGE_TARGET
        ),
        Operation(
            "opportunity list in progress, page 2",
            page("opportunities:index", {"status": "in_progress", "page": 2}, "page_obj"),
            PAGE_TARGET,
        ),
    ]


def run_benchmark(
    *, opportunities: int, repeat: int = 20, output_dir: Path | None = None, stdout=sys.stdout
) -> tuple[list[Row], Path]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from opportunities.models import Opportunity

    cycle, salespeople = _fixtures()
    have = Opportunity.objects.filter(sales_cycle=cycle).count()
    started = time.monotonic()
    _generate(opportunities - have, cycle=cycle, salespeople=salespeople)
    _vacuum()
    stdout.write(
        f"{max(opportunities, have):,} opportunities "
        f"(generated in {time.monotonic() - started:.1f} s)\n"
    )
    user_model = get_user_model()
    user = user_model.objects.filter(is_superuser=True).first() or (
        user_model.objects.create_superuser("bench-admin", password=uuid.uuid4().hex)
    )
    client = Client()
    client.force_login(user)
    rows = []
    for op in page_operations(client, cycle=cycle):
        row = measure(op, repeat)
        rows.append(row)
        stdout.write(f"  {op.name}: {row.status} {row.p50_ms or ''}\n")
    meta = {
        "opportunities": max(opportunities, have),
        "repeat": repeat,
        "database": connection.settings_dict["NAME"],
        "server": connection.cursor().connection.info.server_version,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    return rows, write_json("opportunities", rows, meta, output_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.opportunities_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--opportunities", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default="crm_bench_opportunities")
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
    call_command("migrate", verbosity=0)
    rows, path = run_benchmark(
        opportunities=args.opportunities, repeat=args.repeat, output_dir=args.output_dir
    )
    print(table(rows))
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
