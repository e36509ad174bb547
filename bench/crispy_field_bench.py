"""``crm/templatetags/crm_crispy.py`` on and off, in the same run: are Python fields worth it?

    .venv/bin/python -m bench.crispy_field_bench                    # 20,000 contacts, 15 rounds
    .venv/bin/python -m bench.crispy_field_bench --no-seed --database crm_bench

The form pages of the load test and of each area are fetched through Django's test client as
a superuser, alternating ``CRM_FAST_CRISPY_FIELDS`` on and off (crispy-bootstrap5's own field
template) round after round, so that a load change on a shared machine hits both alike. The
figure that decides is the CPU time of the process per request (median over the rounds).
The verdict rule (``KEEP_IF``): keep the Python fields when they save at least 20 % of the
contact create form's CPU; otherwise the library's template is cheaper to maintain.
"""

from __future__ import annotations

import sys

from bench.form_renderer_bench import ab_arguments, print_ab, run_ab
from bench.measure import Row, page_bench_meta, url, write_json

KEEP_IF = 0.20
DECIDING_PAGE = "contact create form"


def _pages() -> list[tuple[str, str]]:
    from contacts.models import Contact

    company = Contact.objects.filter(type="company").order_by("pk").values_list("pk", flat=True)
    pages = [
        (DECIDING_PAGE, url("contacts:contact-create")),
        ("interaction create form", url("interactions:entry-create")),
        ("opportunity create form", url("opportunities:opportunity-create")),
        ("segment create form", url("segments:segment-create")),
        ("campaign create form", url("campaigns:campaign-create")),
    ]
    if company:
        pages.insert(1, ("contact edit form", url("contacts:contact-update", company[0])))
    return pages


def _use(fast: bool) -> None:
    from django.conf import settings

    settings.CRM_FAST_CRISPY_FIELDS = fast


def run(*, rounds: int, per_round: int, stdout=sys.stdout) -> tuple[list[Row], list[dict]]:
    return run_ab(
        _pages(),
        _use,
        keys=("fast", "library"),
        labels=("python fields", "library template"),
        username="crispy-field-bench",
        rounds=rounds,
        per_round=per_round,
        stdout=stdout,
    )


def main(argv: list[str] | None = None) -> int:
    args = ab_arguments("bench.crispy_field_bench", __doc__, argv)
    rows, results = run(rounds=args.rounds, per_round=args.per_round)
    deciding = next(r for r in results if r["page"] == DECIDING_PAGE)
    print_ab(results, ("fast", "library"), ("python", "library"))
    verdict = "keep" if deciding["cpu_saving"] >= KEEP_IF else "remove"
    print(f"\nverdict: {verdict} (the {DECIDING_PAGE} must save ≥ {KEEP_IF:.0%} of its CPU)")
    path = write_json(
        "crispy-fields",
        rows,
        page_bench_meta(args.rounds, pages=results, verdict=verdict, keep_if=KEEP_IF),
        args.output_dir,
    )
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
