"""External-CRM sync benchmark against a live Tryton server (issue: SPEC §13).

    .venv/bin/python -m bench.sync_bench                                  # small (CI smoke)
    .venv/bin/python -m bench.sync_bench --companies 2000 --persons 20000 --changed 1000

Measures, in one run and on the same data:
1. **full sync, batched**: ACCOUNT then CONTACT into an empty Tryton database, ``page_size``
   records per call (``create`` with lists, one ``write`` with many id/values pairs);
2. **full sync, one call per record**: the same records into another empty copy, with a page
   size of 1 (one ``create`` call per record) — the ratio of 2 to 1 is the gain of batching;
3. **incremental, nothing changed**: both mappings again (target ≤ 1 s);
4. **N changed persons pushed**: N persons edited locally, CONTACT run (target ≤ 30 s for 1,000).

Local data lives in a database of its own (``crm_bench_sync`` on ``DATABASE_URL``'s server, else
the embedded PostgreSQL); Tryton databases are copies of the template that the tests use.
``--no-baseline`` skips 2 (its time grows with the square of the size: see bench/README.md)
and runs 3 and 4 on the database of 1.
"""

import argparse
import os
import socket
import sys
import time
from pathlib import Path

from bench.measure import Row, write_json

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "crm_tryton_template"
PREFIX = "SB"
LOG = ROOT / ".data" / "tryton" / "bench-server.log"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(companies: int, persons: int) -> None:
    from contacts.models import Contact, ContactBusinessRelation
    from setup.models import BusinessRelation

    Contact.objects.filter(number__startswith=PREFIX).delete()
    relation, _created = BusinessRelation.objects.get_or_create(code="CUST")
    rows = [
        Contact(
            number=f"{PREFIX}C{i:06d}",
            type="company",
            name=f"Sync bench company {i}",
            search_name=f"SYNC BENCH COMPANY {i}",
            city="Lyon",
            email=f"c{i}@bench.test",
        )
        for i in range(companies)
    ]
    created = Contact.objects.bulk_create(rows, batch_size=2000)
    ContactBusinessRelation.objects.bulk_create(
        [
            ContactBusinessRelation(
                contact=c,
                business_relation=relation,
                link_type="customer",
                external_number=f"B{c.pk}",
            )
            for c in created
        ],
        batch_size=2000,
    )
    Contact.objects.bulk_create(
        [
            Contact(
                number=f"{PREFIX}P{i:06d}",
                type="person",
                name=f"Bench Person {i}",
                first_name="Bench",
                surname=f"Person {i}",
                search_name=f"BENCH PERSON {i}",
                company=created[i % companies],
                company_name=created[i % companies].name,
                email=f"p{i}@bench.test",
                phone=f"+33 1 00 00 {i:05d}",
            )
            for i in range(persons)
        ],
        batch_size=2000,
    )


def _connect(url: str, database: str, page_size: int) -> None:
    from sync.models import ExternalCrmConnection, SyncCoupling, SyncJob, SyncTableMapping
    from sync.services import connection_enable

    SyncCoupling.objects.all().delete()
    SyncJob.objects.all().delete()
    SyncTableMapping.objects.all().delete()
    connection = ExternalCrmConnection.load()
    connection.base_url, connection.database = url, database
    connection.username, connection.page_size, connection.timeout_s = "admin", page_size, 60
    connection.is_enabled = False
    connection.set_password("admin")
    connection.save()
    connection_enable(enabled=True)
    SyncTableMapping.objects.exclude(name__in=["ACCOUNT", "CONTACT"]).update(is_enabled=False)


def _full(label: str) -> Row:
    from sync.engine import sync_all

    start = time.perf_counter()
    jobs = sync_all(full=True)
    elapsed = (time.perf_counter() - start) * 1000
    inserted = sum(j.inserted for j in jobs)
    failed = sum(j.failed for j in jobs)
    return Row(
        operation=label,
        status="ok" if not failed else "error",
        runs=1,
        p50_ms=round(elapsed, 1),
        detail=f"{inserted} inserted, {failed} failed",
    )


def run(args) -> list[Row]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import tryton

    from contacts.models import Contact
    from sync.engine import mapping_run
    from sync.models import SyncTableMapping

    tryton.install()
    tryton.init(TEMPLATE)
    _seed(args.companies, args.persons)
    rows: list[Row] = []
    port = _port()
    url = f"http://127.0.0.1:{port}"
    modes = [("full sync, batched", "crm_bench_sync_batched", args.page_size)]
    if args.baseline:
        modes.append(("full sync, one call per record", "crm_bench_sync_single", 1))
    for label, database, page_size in modes:
        tryton.clone(TEMPLATE, database)
        server = tryton.start(database, port, log_path=LOG)
        try:
            _connect(url, database, page_size)
            rows.append(_full(label))
        except BaseException:
            server.terminate()
            server.wait()
            raise
        if args.baseline:  # else the incremental runs go on with this server and database
            server.terminate()
            server.wait()
    if args.baseline:
        batched, single = rows[0].p50_ms, rows[1].p50_ms
        rows[0].ratio = round(single / batched, 2)
        rows[0].target = "≥10× faster than one call per record"
        rows[0].passed = rows[0].ratio >= 10
        tryton.clone(TEMPLATE, "crm_bench_sync_batched")
        server = tryton.start("crm_bench_sync_batched", port, log_path=LOG)
    try:
        if args.baseline:
            _connect(url, "crm_bench_sync_batched", args.page_size)
            _full("warm-up")
        start = time.perf_counter()
        for name in ("ACCOUNT", "CONTACT"):
            mapping_run(SyncTableMapping.objects.get(name=name))
        elapsed = (time.perf_counter() - start) * 1000
        rows.append(
            Row(
                operation="incremental, nothing changed",
                status="ok",
                runs=1,
                p50_ms=round(elapsed, 1),
                target="≤1 s",
                passed=elapsed <= 1000,
            )
        )
        from django.db.models import F, Value
        from django.db.models.functions import Concat
        from django.utils import timezone

        changed = Contact.objects.filter(number__startswith=f"{PREFIX}P").order_by("pk")[
            : args.changed
        ]
        Contact.objects.filter(pk__in=list(changed.values_list("pk", flat=True))).update(
            email=Concat(Value("changed."), F("email")), updated_at=timezone.now()
        )
        start = time.perf_counter()
        job = mapping_run(SyncTableMapping.objects.get(name="CONTACT"))
        elapsed = (time.perf_counter() - start) * 1000
        limit = 30_000 * max(args.changed, 1) / 1000
        rows.append(
            Row(
                operation=f"{args.changed} changed persons pushed",
                status="ok",
                runs=1,
                p50_ms=round(elapsed, 1),
                detail=f"{job.modified} modified, {job.failed} failed",
                target=f"≤{limit / 1000:g} s",
                passed=elapsed <= limit and job.modified == args.changed,
            )
        )
    finally:
        server.terminate()
        server.wait()
    return rows


def _table(rows: list[Row]) -> str:
    header = ("operation", "ms", "ratio", "detail", "target", "result")
    lines = [
        (
            r.operation,
            f"{r.p50_ms:.0f}",
            "" if r.ratio is None else f"{r.ratio:.1f}×",
            r.detail,
            r.target,
            ("PASS" if r.passed else "FAIL") if r.target else "info",
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=False)]
    out = [
        "  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=False))
        for line in [header, *lines]
    ]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.sync_bench")
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument(
        "--no-baseline",
        dest="baseline",
        action="store_false",
        help="skip the one-call-per-record full sync (no ratio); the incremental runs then "
        "start from the batched full sync",
    )
    parser.add_argument("--database", default="crm_bench_sync")
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    from bench.measure import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = run(args)
    print(_table(rows))
    path = write_json(
        "sync",
        rows,
        {
            "companies": args.companies,
            "persons": args.persons,
            "changed": args.changed,
            "page_size": args.page_size,
            "baseline": args.baseline,
        },
        args.output_dir,
    )
    print(f"results: {path}")
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
