"""Load test: gunicorn (3 workers) on 127.0.0.1, N simulated users for D seconds.

    .venv/bin/python -m bench.load_test [--database crm_bench] [--users 50] [--duration 60]

See bench/README.md, section "Load". Standard library only (threads + urllib); every request
goes to 127.0.0.1 and the run is bounded (duration + per-request timeout + a hard stop).
"""

import argparse
import datetime as dt
import html.parser
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
HOST = "127.0.0.1"
PASSWORD = "load-test-pw-0"  # noqa: S105 - throwaway users of a benchmark database
REQUEST_TIMEOUT = 30
USER_PREFIX = "loadtest-"

# operation -> weight in the mix (operations whose URL does not exist are dropped)
MIX = {
    "list": 25,
    "search": 20,
    "card": 25,
    "create": 10,
    "log interaction": 10,
    "segment action": 10,
}


# -- set-up through Django (users, sample ids, URLs) ---------------------------------------------


def _ensure_template_and_segment() -> None:
    """A benchmark database seeded by the contacts area has no interaction template and no
    segment: add one of each (idempotent) so "log interaction" and "segment action" run."""
    from segments.models import Segment
    from tests.factories.interactions import InteractionTemplateFactory
    from tests.factories.segments import SegmentFactory

    InteractionTemplateFactory(code="LOADTEST", description="Load test")
    if not Segment.objects.filter(number="LOADTEST").exists():
        SegmentFactory(number="LOADTEST", description="Load test")


def prepare(database_url: str, users: int) -> dict:
    """Create the load-test users and pick sample data; returns what the threads need."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.bench")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.urls import NoReverseMatch, reverse

    user_model = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=["Sales", "Marketing"])}
    password = make_password(PASSWORD)
    names = [f"{USER_PREFIX}{i:02d}" for i in range(users)]
    existing = set(user_model.objects.filter(username__in=names).values_list("username", flat=True))
    user_model.objects.bulk_create(
        [user_model(username=n, password=password) for n in names if n not in existing]
    )
    user_model.objects.filter(username__in=names).update(password=password)
    for i, user in enumerate(user_model.objects.filter(username__in=names).order_by("username")):
        group = groups.get("Sales" if i % 5 else "Marketing")
        if group is not None:
            user.groups.set([group])

    _ensure_template_and_segment()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, city FROM contacts_contact TABLESAMPLE SYSTEM (1) LIMIT 2000"
        )  # a few thousand random rows without a sort over the whole table
        rows = cursor.fetchall()
        if len(rows) < 50:
            cursor.execute("SELECT id, city FROM contacts_contact ORDER BY id LIMIT 2000")
            rows = cursor.fetchall()
        cursor.execute("SELECT id FROM segments_segment ORDER BY id LIMIT 20")
        segments = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id FROM interactions_interactiontemplate ORDER BY id LIMIT 20")
        templates = [r[0] for r in cursor.fetchall()]

    def url(name, *args):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    contact_ids = [r[0] for r in rows]
    cities = sorted({(r[1] or "")[:4] for r in rows if r[1]}) or ["Par"]
    return {
        "users": names,
        "contact_ids": contact_ids,
        "search_terms": cities,
        "segment_ids": segments,
        "template_ids": templates,
        "urls": {
            "login": url("login"),
            "list": url("contacts:contact-list"),
            "search": url("contacts:contact-list"),
            "card": url("contacts:contact-detail", 0),
            "create": url("contacts:contact-create"),
            "log interaction": url("interactions:entry-create"),
            "segment action": url("segments:segment-actions", 0),
        },
    }


# -- HTTP client ----------------------------------------------------------------------------------


class _Forms(html.parser.HTMLParser):
    """Collects the fields of every POST form: input/select/textarea default values."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = None
        self._first_option = False
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": a.get("method", "get"),
                               "fields": {}})  # fmt: skip
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "file", "image", "reset"}:
                fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self._first_option = True
        elif tag == "option" and self._select:
            if "selected" in a or self._first_option:  # the browser's default choice
                fields[self._select] = a.get("value", "")
            self._first_option = False
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea] += data


def post_forms(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return [f for f in parser.forms if f["method"].lower() == "post"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    def __init__(self, base: str):
        if urllib.parse.urlparse(base).hostname != HOST:
            raise ValueError("load tests only target 127.0.0.1")
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - 127.0.0.1 only
        req.add_header("Referer", self.base + path)
        try:
            with self.opener.open(req, timeout=REQUEST_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace"), ""
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location", "") if exc.headers else ""
            return exc.code, exc.read().decode("utf-8", "replace"), location

    def login(self, login_path: str, username: str) -> bool:
        status, page, _ = self.request(login_path)
        form = next((f for f in post_forms(page) if "password" in f["fields"]), None)
        if status != 200 or form is None:
            return False
        fields = {**form["fields"], "username": username, "password": PASSWORD}
        status, _, location = self.request(login_path, fields)
        return status == 302 and "/accounts/login/" not in location


# -- the simulated user -------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.refused: dict[str, int] = {}
        self.error_examples: dict[str, str] = {}

    def add(self, op: str, ms: float, *, error: str = "", refused: bool = False) -> None:
        with self.lock:
            self.samples.setdefault(op, []).append(ms)
            if error:
                self.errors[op] = self.errors.get(op, 0) + 1
                self.error_examples.setdefault(op, error)
            if refused:
                self.refused[op] = self.refused.get(op, 0) + 1


def _timed(results: Results, op: str, call, ok=lambda status: status < 400):
    start = time.perf_counter()
    try:
        status, page, location = call()
    except (OSError, urllib.error.URLError) as exc:
        results.add(op, (time.perf_counter() - start) * 1000, error=type(exc).__name__)
        return None
    ms = (time.perf_counter() - start) * 1000
    if status == 302 and "/accounts/login/" in location:
        results.add(op, ms, error="redirected to login")
        return None
    results.add(op, ms, error="" if ok(status) else f"HTTP {status}")
    return status, page, location


def _submit(results, op, session, form_path, fill) -> None:
    """GET a form page, fill it, POST it; the pair is timed as one operation."""
    start = time.perf_counter()
    try:
        status, page, _ = session.request(form_path)
        forms = post_forms(page) if status == 200 else []
        if not forms:
            results.add(op, (time.perf_counter() - start) * 1000, error=f"form GET {status}")
            return
        form = max(forms, key=lambda f: len(f["fields"]))
        status, _, _location = session.request(form["action"] or form_path, fill(form["fields"]))
    except (OSError, urllib.error.URLError) as exc:
        results.add(op, (time.perf_counter() - start) * 1000, error=type(exc).__name__)
        return
    ms = (time.perf_counter() - start) * 1000
    if status >= 400:
        results.add(op, ms, error=f"HTTP {status}")
    else:  # 302 = saved; 200 = the form answered with messages (counted as refused)
        results.add(op, ms, refused=status == 200)


def user_loop(
    base, username, data, deadline, results, stop: threading.Event, seed: int, think_time=0.0
):
    rng = random.Random(seed)
    session = Session(base)
    urls = data["urls"]
    if not session.login(urls["login"], username):
        results.add("login", 0, error="login failed")
        return
    results.add("login", 0)
    ops = [op for op in MIX if urls.get(op)]
    if not data["segment_ids"] and "segment action" in ops:
        ops.remove("segment action")
    weights = [MIX[op] for op in ops]
    n = 0
    while time.monotonic() < deadline and not stop.is_set():
        if think_time:  # a person reads the page before the next click: uniform 0.5–1.5 × mean
            time.sleep(think_time * rng.uniform(0.5, 1.5))
        op = rng.choices(ops, weights)[0]
        contact = rng.choice(data["contact_ids"]) if data["contact_ids"] else 1
        if op == "list":
            page = rng.choice(["", "?page=2", "?o=city", "?o=-last_modified_at", "?type=person"])
            _timed(results, op, lambda p=page: session.request(urls["list"] + p))
        elif op == "search":
            q = urllib.parse.quote(rng.choice(data["search_terms"]))
            _timed(results, op, lambda q=q: session.request(f"{urls['list']}?q={q}"))
        elif op == "card":
            path = urls["card"].replace("/0/", f"/{contact}/")
            _timed(results, op, lambda p=path: session.request(p))
        elif op == "create":
            n += 1
            name = f"Load test {username} {n} {rng.randrange(10**6)}"
            _submit(results, op, session, urls["create"],
                    lambda f, name=name: {**f, "type": "company", "name": name})  # fmt: skip
        elif op == "log interaction":
            _submit(
                results,
                op,
                session,
                f"{urls['log interaction']}?contact={contact}",
                lambda f, c=contact: {
                    **f,
                    "contact": str(c),
                    "description": "Load test",
                    "template": str(rng.choice(data["template_ids"] or [""])),
                },
            )
        elif op == "segment action":
            segment = rng.choice(data["segment_ids"])
            path = urls["segment action"].replace("/0/", f"/{segment}/")
            _timed(results, op, lambda p=path: session.request(p))


# -- gunicorn -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "crm.wsgi:application", "--bind", f"{HOST}:{port}", "--workers",
         str(workers), "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/accounts/login/", timeout=2):
                return process
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def table(results: Results, elapsed: float) -> tuple[str, list[dict]]:
    rows = []
    for op in [*MIX, "login"]:
        samples = results.samples.get(op, [])
        if not samples:
            continue
        rows.append(
            {
                "operation": op,
                "requests": len(samples),
                "errors": results.errors.get(op, 0),
                "refused": results.refused.get(op, 0),
                "per_s": round(len(samples) / elapsed, 1),
                "p50_ms": round(percentile(samples, 50), 1),
                "p95_ms": round(percentile(samples, 95), 1),
                "error_example": results.error_examples.get(op, ""),
            }
        )
    lines = [
        "| Operation | Requests | Errors | Refused | Req/s | p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["operation"] == "login":
            lines.append(f"| login | {r['requests']} | {r['errors']} | | | | |")
            continue
        lines.append(
            f"| {r['operation']} | {r['requests']} | {r['errors']} | {r['refused']} | "
            f"{r['per_s']} | {r['p50_ms']} | {r['p95_ms']} |"
        )
    return "\n".join(lines), rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.load_test")
    parser.add_argument("--database", default="crm_bench")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--think-time",
        type=float,
        default=1.0,
        help="mean seconds a user waits between requests (0 = hammer the server)",
    )
    parser.add_argument("--settings", default=os.environ.get("LOAD_SETTINGS", "crm.settings.bench"))
    parser.add_argument("--output-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bench.measure import bench_database_url, run_meta, run_started

    run_started()
    # DATABASE_URL's server, or the embedded PostgreSQL the product configures.
    database_url = bench_database_url(args.database)
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    print(f"[load] database {args.database}; preparing {args.users} users …", flush=True)
    data = prepare(database_url, args.users)
    print(f"[load] {len(data['contact_ids'])} sample contacts, "
          f"{len(data['segment_ids'])} segments; URLs: "
          f"{ {k: bool(v) for k, v in data['urls'].items()} }", flush=True)  # fmt: skip

    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": args.settings,
           "ALLOWED_HOSTS": HOST, "DJANGO_ALLOW_ASYNC_UNSAFE": ""}  # fmt: skip
    env.pop("DATABASE_NAME", None)
    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    base = f"http://{HOST}:{port}"
    results = Results()
    stop = threading.Event()
    try:
        start = time.monotonic()
        deadline = start + args.duration
        threads = [
            threading.Thread(
                target=user_loop,
                args=(base, name, data, deadline, results, stop, i, args.think_time),
                daemon=True,
            )
            for i, name in enumerate(data["users"])
        ]
        for thread in threads:
            thread.start()
        hard_stop = deadline + REQUEST_TIMEOUT + 5
        for thread in threads:
            thread.join(timeout=max(0.0, hard_stop - time.monotonic()))
        stop.set()
        elapsed = time.monotonic() - start
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    text, rows = table(results, min(elapsed, args.duration) or 1)
    print(f"\n[load] {args.users} users, {args.duration:g} s, think time {args.think_time:g} s, "
          f"{args.workers} gunicorn workers, database {args.database}\n")  # fmt: skip
    print(text)
    for row in rows:
        if row["error_example"]:
            print(f"  {row['operation']}: first error {row['error_example']}")
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = out_dir / f"load-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "database": args.database,
                "users": args.users,
                "duration_s": args.duration,
                "think_time_s": args.think_time,
                "workers": args.workers,
                "settings": args.settings,
                "elapsed_s": round(elapsed, 1),
                "run": run_meta(),
                "rows": rows,
            },
            indent=2,
            default=str,
        )
    )
    print(f"\n[load] JSON: {out.relative_to(ROOT)}")
    total_errors = sum(r["errors"] for r in rows)
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main())
