"""Layout-only page: the floor under every page (session, user, permissions, navigation,
base template), measured alone, optionally against another checkout in the same run.

    .venv/bin/python -m bench.layout_bench                       # this checkout
    .venv/bin/python -m bench.layout_bench --baseline /work/main # A/B, interleaved rounds

``GET password_change_done`` (the page of contacts_bench's "floor: layout-only page") through
Django's test client, as a sales rep (permission-based navigation) by default, with
``crm.settings.bench`` (Redis cache and ``cached_db`` sessions when Redis answers). Each
checkout runs in a process of its own (started in that directory, so it imports that code)
against the same database; the rounds alternate between them, so a load change on a shared
machine hits both alike. Besides the wall times, each side reports its process's CPU time
per request (median of the rounds: the cost on a quiet machine, without the waits for the
CPU that a loaded one adds to every round trip), and the SQL statements and cache calls
(Redis round trips) of one request. See CONTRIBUTING.md, "Benchmarks".
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = "password_change_done"
USER = "layout-bench"
CACHE_METHODS = ("get", "get_many", "set", "set_many", "add", "delete", "incr", "touch", "has_key")


# -- the measuring process (one per checkout) ------------------------------------------------


def _count_cache_calls(cache) -> dict:
    counts = {"calls": 0}
    for name in CACHE_METHODS:
        original = getattr(cache, name)

        def counted(*args, _original=original, **kwargs):
            counts["calls"] += 1
            return _original(*args, **kwargs)

        setattr(cache, name, counted)
    return counts


def serve(username: str) -> int:
    """Child: set up Django in the current directory's code, then answer ``run N`` lines."""
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment(debug=False)  # as contacts_bench: testserver host, DEBUG off
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model.objects.create_user(username, password=None)
        user.groups.set(Group.objects.filter(name="Sales"))
    client = Client()
    client.force_login(user)
    url = reverse(PAGE)
    for _ in range(5):  # warm-up: templates, URL resolvers, caches
        if client.get(url).status_code != 200:
            raise RuntimeError(f"GET {url} did not answer 200 for {username}")
    counts = _count_cache_calls(caches["default"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    print(
        json.dumps(
            {
                "status": response.status_code,
                "queries": len(queries.captured_queries),
                "cache_calls": counts["calls"],
                "cache": caches["default"].__class__.__name__,
                "session_engine": django.conf.settings.SESSION_ENGINE.rsplit(".", 1)[-1],
                "bytes": len(response.content),
            }
        ),
        flush=True,
    )
    for line in sys.stdin:
        count = int(line.split()[1])
        times = []
        cpu_start = time.process_time()
        for _ in range(count):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
        cpu_ms = (time.process_time() - cpu_start) * 1000 / count
        print(json.dumps({"times": times, "cpu_ms": cpu_ms}), flush=True)
    return 0


# -- the driver ------------------------------------------------------------------------------


class Side:
    def __init__(self, label: str, checkout: Path, env: dict, username: str):
        self.label = label
        self.checkout = checkout
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", "--user", username],
            cwd=checkout,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.info = self._read()
        self.times: list[float] = []
        self.round_medians: list[float] = []
        self.cpu_ms: list[float] = []  # this process's CPU time per request, per round

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.label}: the measuring process stopped")
        return json.loads(line)

    def run(self, count: int) -> None:
        self.process.stdin.write(f"run {count}\n")
        self.process.stdin.flush()
        answer = self._read()
        times = answer["times"]
        self.cpu_ms.append(answer["cpu_ms"])
        self.times += times
        self.round_medians.append(statistics.median(times))

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)

    def row(self) -> dict:
        ordered = sorted(self.times)
        return {
            "side": self.label,
            "checkout": str(self.checkout),
            "requests": len(ordered),
            "p50_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "mean_ms": round(statistics.fmean(ordered), 2),
            "cpu_ms": round(statistics.median(self.cpu_ms), 2),
            "queries": self.info["queries"],
            "cache_calls": self.info["cache_calls"],
            "bytes": self.info["bytes"],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.layout_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--baseline", type=Path, help="another checkout to measure alongside")
    parser.add_argument("--database", default="crm_bench")
    parser.add_argument("--current-db", action="store_true", help="use DATABASE_URL unchanged")
    parser.add_argument("--user", default=USER, help="username (created in group Sales)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=50, help="requests per round and side")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.user)

    env = {**os.environ}
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    env.pop("PYTHONPATH", None)
    if not args.current_db:
        sys.path.insert(0, str(ROOT))
        from bench.measure import bench_database_url

        env["DATABASE_URL"] = bench_database_url(args.database)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    sides = [Side("this checkout", ROOT, env, args.user)]
    if args.baseline:
        sides.insert(0, Side("baseline", args.baseline.resolve(), env, args.user))
    try:
        for number in range(args.rounds):
            for side in sides if number % 2 == 0 else reversed(sides):
                side.run(args.requests)
    finally:
        for side in sides:
            side.close()
    rows = [side.row() for side in sides]
    print(
        f"\n{PAGE} as {args.user!r}: {args.rounds} rounds × {args.requests} requests per side, "
        f"cache {sides[0].info['cache']}, sessions {sides[0].info['session_engine']}\n"
    )
    print(
        "| Side | Requests | p50 ms | p95 ms | mean ms | CPU ms | SQL queries | cache calls "
        "| bytes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['side']} | {r['requests']} | {r['p50_ms']} | {r['p95_ms']} | {r['mean_ms']} | "
            f"{r['cpu_ms']} | {r['queries']} | {r['cache_calls']} | {r['bytes']} |"
        )
    if len(sides) == 2:
        base, new = rows
        print(f"\np50 this checkout / baseline: {new['p50_ms'] / base['p50_ms']:.2f}")
        print(f"CPU this checkout / baseline: {new['cpu_ms'] / base['cpu_ms']:.2f}")
        wins = sum(
            b > n for b, n in zip(sides[0].round_medians, sides[1].round_medians, strict=True)
        )
        print(f"rounds where this checkout was faster: {wins} of {args.rounds}")
    with os.popen("uptime") as uptime:  # noqa: S605 - fixed command, no input
        print(f"load: {uptime.read().strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
