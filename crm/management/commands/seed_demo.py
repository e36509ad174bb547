"""Create a believable bilingual demo data set across every area that exists.

Idempotent: running it again adds nothing that is already there. ``--contacts N`` scales the
contact base with set-based inserts (each area's ``demo.seed`` decides how).
"""

import importlib
import time

from django.core.management.base import BaseCommand
from django.db import transaction

# Areas in dependency order; each may have a ``demo`` module with ``seed(*, contacts, stdout)``.
AREAS = ["setup", "contacts", "interactions", "opportunities", "segments", "campaigns"]


class Command(BaseCommand):
    help = "Create demo data (idempotent). --contacts N scales the number of contacts."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=300)

    def handle(self, *args, contacts: int, **options):
        started = time.monotonic()
        for area in AREAS:
            try:
                module = importlib.import_module(f"{area}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{area}.demo":
                    raise
                continue
            area_started = time.monotonic()
            with transaction.atomic():
                summary = module.seed(contacts=contacts, stdout=self.stdout)
            self.stdout.write(
                f"  {area}: {summary or 'ok'} ({time.monotonic() - area_started:.1f} s)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.1f} s. Log in as "
                "admin / admin-demo (administrator), sales / sales-demo (sales rep) or "
                "marketing / marketing-demo (marketing)."
            )
        )
