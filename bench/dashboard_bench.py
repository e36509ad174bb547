"""Home dashboard and contact statistics panel: p50 over the data already in the database.

Fill the database first (``manage.py seed_demo --contacts N`` or the contacts, interactions
and opportunities benches, which generate set-based), then::

    .venv/bin/python bench/dashboard_bench.py --repeat 20

on ``crm_bench`` of the embedded PostgreSQL, or on ``DATABASE_URL`` when set.

Prints a table and writes ``bench/results/dashboard-<timestamp>.json``.
"""

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")


def main(argv=None) -> int:
    from bench.measure import bench_database_url, report_server, run_meta, run_started

    run_started()
    if not os.environ.get("DATABASE_URL"):  # the embedded PostgreSQL the product configures
        os.environ["DATABASE_URL"] = bench_database_url("crm_bench")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from contacts.models import Contact
    from interactions.models import InteractionLogEntry
    from opportunities.models import OpportunityEntry, Task

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--skip-reports", action="store_true", help="dashboard pages only")
    parser.add_argument("--only", default="", help="measure pages whose name contains this")
    parser.add_argument("--deep-page", type=int, default=0, help="also measure this page no.")
    args = parser.parse_args(argv)
    sizes = {
        "contacts": Contact.objects.count(),
        "interactions": InteractionLogEntry.objects.count(),
        "opportunity_entries": OpportunityEntry.objects.count(),
        "tasks": Task.objects.count(),
    }
    user, _ = get_user_model().objects.get_or_create(
        username="bench-dashboard", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    company = Contact.objects.filter(type="company").order_by("pk").first()
    pages = {"home dashboard": reverse("home")}
    if company:
        pages["contact statistics panel"] = reverse("reports:contact-statistics", args=[company.pk])
    pages["opportunity analysis (month)"] = reverse("reports:opportunity-analysis")
    pages["task analysis (month)"] = reverse("reports:task-analysis")
    pages["segment statistics"] = reverse("reports:segment-statistics")
    if not args.skip_reports:
        # Report pages (SPEC 10.9), unfiltered first page; CSV is not measured (it streams).
        pages["company summary"] = reverse("reports:company-summary")
        pages["person summary"] = reverse("reports:person-summary")
        pages["contact labels"] = reverse("reports:contact-labels")
        pages["opportunity details"] = reverse("reports:opportunity-details")
        pages["contact list"] = reverse("reports:contact-list")
        pages["opportunity list"] = reverse("reports:opportunity-list")
        if args.deep_page:
            for key in ("company summary", "person summary", "contact labels"):
                pages[f"{key} p{args.deep_page}"] = f"{pages[key]}?page={args.deep_page}"
    if args.only:
        pages = {k: v for k, v in pages.items() if args.only in k}
    rows = []
    for name, url in pages.items():
        client.get(url)  # warm
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            if client.get(url).status_code != 200:
                raise SystemExit(f"{url} failed")
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        rows.append(
            {
                "page": name,
                "p50_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "queries": len(ctx.captured_queries),
            }
        )
    report_server()
    print(", ".join(f"{k}={v:,}" for k, v in sizes.items()))
    print(f"{'page':<32}{'p50 ms':>10}{'max ms':>10}{'queries':>9}")
    for row in rows:
        print(f"{row['page']:<32}{row['p50_ms']:>10}{row['max_ms']:>10}{row['queries']:>9}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"dashboard-{stamp}.json").write_text(
        json.dumps({"sizes": sizes, "run": run_meta(), "rows": rows}, default=str)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
