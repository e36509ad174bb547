"""Picker benchmark: the type-ahead search endpoints and pages with pickers at N contacts.

    .venv/bin/python -m bench.picker_bench --contacts 1000000

Builds (once) the demo data set with ``manage.py seed_demo --contacts N`` in a database of its
own (``crm_bench`` on ``DATABASE_URL``'s server, or the embedded PostgreSQL), then measures
each search and page through Django's test client, logged in as ``admin``. See bench/README.md.
"""

import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.measure import (
    Operation,
    Row,
    Target,
    measure_all,
    page_bench_meta,
    page_bench_parser,
    page_bench_setup,
    seed_contacts,
    table,
    write_json,
)
from bench.measure import url as _url

SEARCH_TARGET = Target(p50_ms=30, max_queries=5)  # session, user, 2 x permissions, search
PAGE_TARGET = Target(p50_ms=50)
PAGE_MAX_BYTES = 500_000


class PickerBench:
    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from contacts.models import Contact

        user_model = get_user_model()
        self.user = (
            user_model.objects.filter(username="admin").first()
            or user_model.objects.filter(is_superuser=True).first()
            or user_model.objects.create_superuser("bench-admin", password=uuid.uuid4().hex)
        )
        self.client = Client()
        self.client.force_login(self.user)
        companies = Contact.objects.filter(type="company").order_by("pk")
        # The first company is the busiest (the demo's u² skew) and its first person.
        self.company = companies.first()
        self.person = (
            Contact.objects.filter(type="person", company=self.company).order_by("pk").first()
        )
        last = Contact.objects.filter(type="person").exclude(email="").order_by("-pk").first()
        self.prefix = self.company.search_name[:4].lower() if self.company else "mart"
        self.email_fragment = last.email.split("@")[0][-7:] if last else "info"
        # A rare fragment: the last 8 characters of the newest person's phone (a handful of
        # rows match; the trigram indexes find them without walking the name order).
        self.rare_fragment = last.phone[-8:] if last and last.phone else "97 73 71"

    def get(self, url_name: str, *args, params: dict | None = None, json: bool = False):
        def prepare() -> Callable[[], dict]:
            url = _url(url_name, *args)

            def run() -> dict:
                response = self.client.get(url, params or {})
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                if json:
                    return {"results": len(response.json()["results"])}
                size = len(response.content)
                if size > PAGE_MAX_BYTES:
                    raise RuntimeError(f"GET {url}: {size} bytes > {PAGE_MAX_BYTES}")
                return {"bytes": size}

            return run

        return prepare

    def search(self, label: str, url_name: str, **params) -> Operation:
        return Operation(
            f"search {label}", self.get(url_name, params=params, json=True), SEARCH_TARGET
        )

    def operations(self) -> list[Operation]:
        contact = "contacts:contact-search"
        company_pk = self.company.pk if self.company else 0
        person_pk = self.person.pk if self.person else company_pk
        return [
            Operation(
                "floor: layout-only page",
                self.get("password_change_done"),
                Target(),
            ),
            self.search(f"name prefix '{self.prefix}'", contact, q=self.prefix),
            self.search(f"rare fragment '{self.rare_fragment}'", contact, q=self.rare_fragment),
            self.search(f"e-mail fragment '{self.email_fragment}'", contact, q=self.email_fragment),
            self.search("no match 'qxzqx'", contact, q="qxzqx"),
            self.search(f"companies only '{self.prefix}'", contact, q=self.prefix, kind="company"),
            self.search(
                "persons of the busiest company", contact, q="", kind="person", company=company_pk
            ),
            self.search("opportunities 'a'", "opportunities:opportunity-search", q="a"),
            Operation(
                "page: new opportunity (contact picked)",
                self.get("opportunities:opportunity-create", params={"contact": person_pk}),
                PAGE_TARGET,
            ),
            Operation(
                "page: new task (contact, campaign pickers)",
                self.get("opportunities:task-create"),
                PAGE_TARGET,
            ),
            Operation(
                "page: interaction log filtered by company",
                self.get("interactions:index", params={"company": company_pk}),
                PAGE_TARGET,
            ),
        ]


def run_benchmark(
    *,
    contacts: int,
    repeat: int = 20,
    seed: bool = True,
    output_dir: Path | None = None,
    only: list[str] | None = None,
    stdout=sys.stdout,
) -> tuple[list[Row], Path]:
    """Measure against the current Django database (seeded up to ``contacts`` first;
    ``seed_demo`` ends with ``VACUUM (ANALYZE)``, so index-only scans are index-only)."""
    if seed:
        seed_contacts(contacts, stdout)
    rows = measure_all(PickerBench().operations(), repeat, only, stdout)
    meta = page_bench_meta(repeat)
    path = write_json("pickers", rows, meta, output_dir)
    return rows, path


def main(argv: list[str] | None = None) -> int:
    args = page_bench_parser("python -m bench.picker_bench", __doc__).parse_args(argv)
    page_bench_setup(args)
    rows, path = run_benchmark(
        contacts=args.contacts,
        repeat=args.repeat,
        seed=not args.no_seed,
        output_dir=args.output_dir,
        only=args.only,
    )
    print()
    print(table(rows))
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
