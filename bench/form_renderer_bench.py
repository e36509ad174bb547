"""``crm/form_renderer.py`` on and off, in the same run: is the hand-written renderer worth it?

    .venv/bin/python -m bench.form_renderer_bench                    # 20,000 contacts, 15 rounds
    .venv/bin/python -m bench.form_renderer_bench --contacts 1000000 --database crm_bench

The pages whose forms are the biggest share of the work (the filtered lists, whose filter form
is re-rendered on every keystroke, and the create forms) are fetched through Django's test
client as a superuser, alternating the project's ``FastWidgetRenderer`` and Django's own
``DjangoTemplates`` renderer round after round, so that a load change on a shared machine hits
both alike. The figure that decides is the CPU time of the process per request (median over
the rounds): it is what the renderer costs, whatever waits a loaded machine adds. The verdict
rule (kept in ``KEEP_IF``): keep the renderer when it saves at least 10 % of the CPU of one of
the list pages; otherwise Django's templates are cheaper to maintain.
"""

from __future__ import annotations

import statistics
import sys
import time

from bench.measure import (
    Row,
    page_bench_meta,
    page_bench_parser,
    page_bench_setup,
    seed_contacts,
    url,
    write_json,
)

FAST = "crm.form_renderer.FastWidgetRenderer"
DJANGO = "django.forms.renderers.DjangoTemplates"
KEEP_IF = 0.10  # the saving on a list page that pays for the renderer's maintenance


def _pages() -> list[tuple[str, str]]:
    from setup.models import Country

    country = Country.objects.order_by("code").values_list("pk", flat=True).first() or ""
    return [
        (
            "contact list (filter form)",
            f"{url('contacts:contact-list')}?type=person&country={country}",
        ),
        ("contact create form", url("contacts:contact-create")),
        ("interaction log (filter form)", url("interactions:index")),
        ("opportunity list (filter form)", url("opportunities:index")),
        ("task list (filter form)", url("opportunities:task-list")),
    ]


def _use(renderer: str) -> None:
    from django.conf import settings
    from django.forms import renderers

    settings.FORM_RENDERER = renderer
    renderers.get_default_renderer.cache_clear()


def _once(client, path: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def run_ab(
    pages: list[tuple[str, str]],
    use,
    *,
    keys: tuple[str, str],
    labels: tuple[str, str],
    username: str,
    rounds: int,
    per_round: int,
    stdout=sys.stdout,
) -> tuple[list[Row], list[dict]]:
    """Fetch each page ``per_round`` times with ``use(True)``, then with ``use(False)``,
    ``rounds`` times over, as a superuser through the test client; leave ``use(True)``.

    One result per page: the median process CPU and wall time of each side, under
    ``<keys[0]>_cpu_ms`` … ``<keys[1]>_p50_ms``, and the CPU ``cpu_saving`` of the first."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    results, rows = [], []
    for name, path in pages:
        samples = {True: ([], []), False: ([], [])}
        for on in (True, False):  # warm-up of both
            use(on)
            _once(client, path)
        for _round in range(rounds):
            for on in (True, False):
                use(on)
                for _ in range(per_round):
                    wall, cpu = _once(client, path)
                    samples[on][0].append(wall)
                    samples[on][1].append(cpu)
        first_cpu, second_cpu = (statistics.median(samples[on][1]) for on in (True, False))
        saving = 1 - first_cpu / second_cpu if second_cpu else 0.0
        results.append(
            {
                "page": name,
                f"{keys[0]}_cpu_ms": round(first_cpu, 2),
                f"{keys[1]}_cpu_ms": round(second_cpu, 2),
                f"{keys[0]}_p50_ms": round(statistics.median(samples[True][0]), 2),
                f"{keys[1]}_p50_ms": round(statistics.median(samples[False][0]), 2),
                "cpu_saving": round(saving, 3),
            }
        )
        for on, label in ((True, labels[0]), (False, labels[1])):
            walls = sorted(samples[on][0])
            rows.append(
                Row(
                    operation=f"{name} [{label}]",
                    status="ok",
                    runs=len(walls),
                    p50_ms=round(statistics.median(walls), 2),
                    p95_ms=round(walls[int(0.95 * (len(walls) - 1))], 2),
                    detail=f"cpu {statistics.median(samples[on][1]):.2f} ms",
                )
            )
        stdout.write(f"  {name}: cpu {first_cpu:.2f} vs {second_cpu:.2f} ms ({saving:+.1%})\n")
    use(True)
    return rows, results


def print_ab(results: list[dict], keys: tuple[str, str], titles: tuple[str, str]) -> None:
    width = max(len(r["page"]) for r in results) + 2
    header = (
        f"{'page':{width}} {titles[0] + ' cpu':>12} {titles[1] + ' cpu':>12} {'saving':>7} "
        f"{titles[0] + ' p50':>12} {titles[1] + ' p50':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['page']:{width}} {r[keys[0] + '_cpu_ms']:>12.2f} {r[keys[1] + '_cpu_ms']:>12.2f} "
            f"{r['cpu_saving']:>7.1%} {r[keys[0] + '_p50_ms']:>12.2f} "
            f"{r[keys[1] + '_p50_ms']:>12.2f}"
        )


def ab_arguments(prog: str, doc: str | None, argv: list[str] | None):
    """The command line of an A/B page benchmark (database, size, ``--rounds``,
    ``--per-round``), its database set up and, unless ``--no-seed``, seeded."""
    parser = page_bench_parser(prog, doc)
    parser.set_defaults(contacts=20_000, database="crm_bench_forms")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=3)
    args = parser.parse_args(argv)
    page_bench_setup(args)
    if not args.no_seed:
        seed_contacts(args.contacts)
    return args


def run(*, rounds: int, per_round: int, stdout=sys.stdout) -> tuple[list[Row], list[dict]]:
    return run_ab(
        _pages(),
        lambda fast: _use(FAST if fast else DJANGO),
        keys=("fast", "django"),
        labels=("fast", "django"),
        username="form-renderer-bench",
        rounds=rounds,
        per_round=per_round,
        stdout=stdout,
    )


def main(argv: list[str] | None = None) -> int:
    args = ab_arguments("bench.form_renderer_bench", __doc__, argv)
    rows, results = run(rounds=args.rounds, per_round=args.per_round)
    lists = [r for r in results if "list" in r["page"]]
    keep = any(r["cpu_saving"] >= KEEP_IF for r in lists)
    print_ab(results, ("fast", "django"), ("fast", "django"))
    verdict = "keep" if keep else "remove"
    print(f"\nverdict: {verdict} (a list page must save ≥ {KEEP_IF:.0%} of its CPU)")
    path = write_json(
        "form-renderer",
        rows,
        page_bench_meta(args.rounds, pages=results, verdict=verdict, keep_if=KEEP_IF),
        args.output_dir,
    )
    print(f"JSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
