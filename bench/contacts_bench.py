"""Contacts benchmark: list, search, card, create with duplicate check, CSV import.

    .venv/bin/python -m bench.contacts_bench --contacts 1000000

Builds (once) a demo data set of N contacts with ``manage.py seed_demo --contacts N`` in a
database of its own (``crm_bench`` on ``DATABASE_URL``'s server, or the embedded PostgreSQL),
then measures each operation through Django's test client. See bench/README.md.
"""

import importlib
import inspect
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from bench.measure import (
    NotAvailable,
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

# Issue 5/5's targets at 1M contacts: a list or card page p50 ≤ 30 ms and ≤ the layout-only
# page + its bare SQL + 15 ms, ≤ 4 queries; any search fragment p50 ≤ 50 ms (≤ 4 queries);
# create with the duplicate check ≤ 20 ms; a 100k-row CSV import ≤ 45 s.
PAGE_TARGET = Target(p50_ms=30, max_queries=4, max_over_floor_ms=15)
SEARCH_TARGET = Target(p50_ms=50, max_queries=4)
CREATE_TARGET = Target(p50_ms=20)
IMPORT_TARGET = Target(p50_ms=45_000)
IMPORT_ROWS = 100_000


def _attr(module: str, name: str):
    """A function by dotted name, or NotAvailable."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise NotAvailable(f"{module}.{name} missing") from exc


def import_lines(count: int, seed: int = 42) -> list[str]:
    """``count`` believable CSV rows (20 % companies), varied like the demo data."""
    import random

    from contacts import demo
    from setup.models import PostCode

    rng = random.Random(seed)
    places = list(PostCode.objects.values_list("code", "city", "country__code")) or [
        ("75002", "Paris", "FR")
    ]
    out = []
    for i in range(count):
        post_code, city, country = rng.choice(places)
        first = rng.choice(demo.FIRST_NAMES_FR + demo.FIRST_NAMES_EN)
        surname = rng.choice(demo.SURNAMES_FR + demo.SURNAMES_EN)
        if i % 5 == 0:
            kind = "company"
            name = f"{rng.choice(demo.COMPANY_PREFIXES_FR)} {surname} {i}"
            email = f"contact@{surname.lower()}{i}.example"
        else:
            kind, name = "person", f"{first} {surname}"
            email = f"{first.lower()}.{surname.lower()}{i}@mail.example"
        street = rng.choice(demo.STREETS_FR + demo.STREETS_EN)
        phone = "+33 1 " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4))
        out.append(
            f'{kind},"{name}",{rng.randrange(1, 200)} {street},{post_code},{city},{country},'
            f"{phone},{email}"
        )
    return out


def _view(name: str):
    try:
        return getattr(importlib.import_module("contacts.views"), name, None)
    except ImportError:
        return None


class ContactsBench:
    def __init__(self, *, import_rows: int = IMPORT_ROWS) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from contacts.models import Contact
        from setup.models import Country

        user_model = get_user_model()
        self.user = (
            user_model.objects.filter(username="admin").first()
            or user_model.objects.filter(is_superuser=True).first()
            or user_model.objects.create_superuser("bench-admin", password=uuid.uuid4().hex)
        )
        self.client = Client()
        self.client.force_login(self.user)
        self.import_rows = import_rows
        companies = Contact.objects.filter(type="company")
        # The busiest company (most persons) and one of its persons: the heaviest card.
        self.company = Contact.objects.filter(pk=companies.order_by("pk").values("pk")[:1]).first()
        self.person = (
            Contact.objects.filter(type="person", company=self.company).order_by("pk").first()
        )
        self.france = Country.objects.filter(code="FR").first()
        some = Contact.objects.filter(type="person").exclude(email="").order_by("-pk").first()
        self.email_fragment = some.email.split("@")[0][-7:] if some else "info"
        self.phone_fragment = self.company.phone[-5:] if self.company else "12 34"
        # A rare phone fragment written with other separators than the stored number
        # ("+33 1 19 99 31" searched as "19.99.3"): served by the phone's digits.
        self.rare_phone_fragment = (
            self.company.phone[-8:-1].strip().replace(" ", ".") if self.company else "19.99.3"
        )
        # Page 1000 of the filtered list at full size; the last full page of a small data set.
        listed = Contact.objects.filter(**self.list_filter()).count()
        page_size = getattr(_view("ContactListView"), "paginate_by", None) or 50
        self.deep_page = max(1, min(1000, listed // page_size))

    # -- pages ---------------------------------------------------------------------------

    def page(self, url_name: str, *args, params: dict | None = None, needs: str = "page_obj"):
        def prepare() -> Callable[[], dict]:
            url = _url(url_name, *args)

            def run() -> dict:
                response = self.client.get(url, params or {})
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                context = response.context or {}
                if needs and needs not in context:
                    raise NotAvailable(f"{url_name} is a placeholder (no {needs})")
                page = context.get("page_obj")
                return {"rows": len(page.object_list)} if page is not None else {}

            return run

        return prepare

    def list_filter(self) -> dict:
        return {"type": "person", "country": self.france} if self.france else {"type": "person"}

    def list_params(self, **extra) -> dict:
        params = {"type": "person", "o": "city"}
        if self.france:
            params["country"] = self.france.pk
        return {**params, **extra}

    # -- writes --------------------------------------------------------------------------

    def create_with_duplicate_check(self) -> Callable[[], dict]:
        """A company resembling an existing one: contact_create plus CON-63's rebuild.

        Each run is rolled back, so repetitions measure the same state.
        """
        from django.db import transaction

        contact_create = _attr("contacts.services", "contact_create")
        rebuild = _attr("contacts.dedupe", "contact_duplicates_rebuild")
        services = importlib.import_module(contact_create.__module__)  # its defining module
        create_rebuilds = "contact_duplicates_rebuild" in inspect.getsource(services)
        if self.company is None:
            raise NotAvailable("no company in the data set")
        source = self.company
        data = {
            "type": "company",
            "name": source.name,
            "address": source.address,
            "city": source.city,
            "post_code": source.post_code,
            "phone": source.phone,
            "email": source.email,
            "country": source.country,
        }

        def run() -> dict:
            with transaction.atomic():
                contact = contact_create(user=self.user, data=data)
                prompt = getattr(contact, "duplicate_prompt", None)
                if not create_rebuilds:
                    prompt = rebuild(contact_id=contact.pk)
                transaction.set_rollback(True)
            return {"duplicate_prompt": bool(prompt)}

        return run

    def csv_import(self) -> Callable[[], dict]:
        """Preview, confirm and run every batch of an N-row CSV file, then roll back."""
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage
        from django.db import transaction

        preview = _attr("contacts.imports", "contact_import_preview")
        start = _attr("contacts.imports", "contact_import_csv_start")
        batch = _attr("contacts.imports", "contact_import_csv_batch")
        lines = [
            "type,name,address,post_code,city,country,phone,email",
            *import_lines(self.import_rows),
        ]
        content = ("\n".join(lines) + "\n").encode()
        mapping = {h: h for h in lines[0].split(",")}

        def run() -> dict:
            path = default_storage.save(
                f"imports/contacts/bench-{uuid.uuid4().hex}.csv", ContentFile(content)
            )
            try:
                with transaction.atomic():
                    result = preview(path=path, mapping=mapping)
                    job = start(
                        path=path,
                        mapping=mapping,
                        skip_rejected=True,
                        user=self.user,
                        enqueue=False,
                    )
                    while batch(job_id=job.pk):
                        pass
                    job.refresh_from_db()
                    transaction.set_rollback(True)
            finally:
                default_storage.delete(path)
            return {
                "rows": self.import_rows,
                "valid": result.valid,
                "created": job.result.get("created"),
                "status": job.status,
            }

        return run

    def operations(self) -> list[Operation]:
        sample = self.company.search_name[:4].lower() if self.company else "mart"
        return [
            Operation(
                # No target: the cost of any page of the layout (session, user, navigation,
                # template) measured the same way, i.e. the floor under every page below.
                "floor: layout-only page",
                self.page("password_change_done", needs=""),
                Target(),
            ),
            Operation(
                "list page 1 (filter+sort)",
                self.page("contacts:contact-list", params=self.list_params()),
                PAGE_TARGET,
            ),
            Operation(
                f"list page {self.deep_page} (filter+sort)",
                self.page("contacts:contact-list", params=self.list_params(page=self.deep_page)),
                PAGE_TARGET,
            ),
            Operation(
                f"search name '{sample}'",
                self.page("contacts:contact-list", params={"q": sample}),
                SEARCH_TARGET,
            ),
            Operation(
                f"search e-mail '{self.email_fragment}'",
                self.page("contacts:contact-list", params={"q": self.email_fragment}),
                SEARCH_TARGET,
            ),
            Operation(
                f"search phone '{self.phone_fragment}'",
                self.page("contacts:contact-list", params={"q": self.phone_fragment}),
                SEARCH_TARGET,
            ),
            Operation(
                f"search rare phone '{self.rare_phone_fragment}'",
                self.page("contacts:contact-list", params={"q": self.rare_phone_fragment}),
                SEARCH_TARGET,
            ),
            Operation(
                "card (company)",
                self.page("contacts:contact-detail", *self._pk(self.company), needs=""),
                PAGE_TARGET,
            ),
            Operation(
                "card (person)",
                self.page("contacts:contact-detail", *self._pk(self.person), needs=""),
                PAGE_TARGET,
            ),
            Operation(
                "create company + duplicate check",
                self.create_with_duplicate_check,
                CREATE_TARGET,
                bare_sql=False,
            ),
            Operation(
                f"CSV import {self.import_rows:,} rows",
                self.csv_import,
                IMPORT_TARGET,
                bare_sql=False,
                repeat=1,
            ),
        ]

    @staticmethod
    def _pk(contact) -> list[int]:
        return [contact.pk] if contact is not None else [0]


def run_benchmark(
    *,
    contacts: int,
    repeat: int = 20,
    import_rows: int = IMPORT_ROWS,
    seed: bool = True,
    output_dir: Path | None = None,
    only: list[str] | None = None,
    stdout=sys.stdout,
) -> tuple[list[Row], Path]:
    """Measure against the current Django database (seeded up to ``contacts`` first)."""
    if seed:
        seed_contacts(contacts, stdout)
    bench = ContactsBench(import_rows=import_rows)
    rows = measure_all(bench.operations(), repeat, only, stdout)
    meta = page_bench_meta(repeat, import_rows=import_rows)
    path = write_json("contacts", rows, meta, output_dir)
    return rows, path


def main(argv: list[str] | None = None) -> int:
    parser = page_bench_parser("python -m bench.contacts_bench", __doc__)
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    args = parser.parse_args(argv)
    page_bench_setup(args)
    rows, path = run_benchmark(
        contacts=args.contacts,
        repeat=args.repeat,
        import_rows=args.import_rows,
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
