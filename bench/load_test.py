"""Load test: gunicorn as docker-compose.yml's web service runs it, N simulated users.

    .venv/bin/python -m bench.load_test [--database crm_bench] [--users 50] [--duration 60]
    .venv/bin/python -m bench.load_test --think-time 0     # saturation, CPU per operation

See bench/README.md, section "Load". Standard library only (threads + urllib); every request
goes to 127.0.0.1 and the run is bounded (duration + per-request timeout + a hard stop).

Besides latency, every run reports the throughput per CPU core and the CPU time the server
spent per request: the gunicorn processes' (``/proc/<pid>/stat``) and the PostgreSQL backends'
of the benchmark database. With ``--think-time 0`` it then runs each operation alone for
``--op-duration`` seconds and reports each one's CPU milliseconds per request.
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

# Operations that GET a form and POST it (two HTTP requests, timed as one operation).
FORM_OPERATIONS = {"create", "log interaction"}
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


def available_operations(data: dict) -> list[str]:
    ops = [op for op in MIX if data["urls"].get(op)]
    if not data["segment_ids"] and "segment action" in ops:
        ops.remove("segment action")
    return ops


def user_loop(
    base,
    username,
    data,
    results,
    stop: threading.Event,
    seed: int,
    think_time=0.0,
    *,
    started: threading.Barrier,
    deadline: list[float],
    only: str | None = None,
):
    """Log in, wait until every user has (``started``), then loop until ``deadline[0]``."""
    rng = random.Random(seed)
    session = Session(base)
    urls = data["urls"]
    logged_in = session.login(urls["login"], username)
    results.add("login", 0, error="" if logged_in else "login failed")
    try:
        started.wait(timeout=REQUEST_TIMEOUT * 4)
    except threading.BrokenBarrierError:
        return
    if not logged_in:
        return
    ops = [only] if only else available_operations(data)
    weights = [MIX[op] for op in ops]
    n = 0
    while time.monotonic() < deadline[0] and not stop.is_set():
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


# -- gunicorn, as docker-compose.yml's web service runs it ----------------------------------------


def compose_web_command(compose: Path = ROOT / "docker-compose.yml") -> list[str]:
    """The ``command`` of the ``web`` service (a one-line or wrapped JSON-style list)."""
    text = compose.read_text()
    service = text[text.index("\n  web:") :]
    start = service.index("command:") + len("command:")
    return json.loads(service[start : service.index("]", start) + 1])


def gunicorn_command(port: int, workers: int | None = None) -> list[str]:
    """docker-compose.yml's web command, bound to 127.0.0.1:``port`` (and ``--workers`` when
    given), run with this virtualenv's gunicorn."""
    command = compose_web_command()
    if command[0] != "gunicorn":
        raise RuntimeError(f"docker-compose.yml's web service does not run gunicorn: {command}")
    command = [str(Path(sys.executable).parent / "gunicorn"), *command[1:]]
    command[command.index("--bind") + 1] = f"{HOST}:{port}"
    if workers is not None:
        if "--workers" in command:
            command[command.index("--workers") + 1] = str(workers)
        else:
            command += ["--workers", str(workers)]
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int | None, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:  # the access log ("-" = stdout in docker-compose.yml)
        process = subprocess.Popen(gunicorn_command(port, workers), cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited during start-up (see {log})")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/accounts/login/", timeout=2):
                return process
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


# -- server CPU time --------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gunicorn_pids(master: int) -> list[int]:
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def database_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to ``database`` (the gunicorn workers'), not ours."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU seconds spent by the gunicorn processes and by the database's backends between
    ``start()`` and ``stop()`` (a backend that connects in between counts from zero). The
    server must run on this machine (it always does: 127.0.0.1)."""

    def __init__(self, master: int, database: str):
        self.master, self.database = master, database

    def _sample(self) -> tuple[dict, dict]:
        app = {pid: cpu_seconds(pid) for pid in gunicorn_pids(self.master)}
        db = {pid: cpu_seconds(pid) for pid in database_pids(self.database)}
        return app, db

    def start(self) -> None:
        self.before = self._sample()

    def stop(self) -> tuple[float, float]:
        after = self._sample()
        app = sum(v - self.before[0].get(pid, 0.0) for pid, v in after[0].items())
        db = sum(v - self.before[1].get(pid, 0.0) for pid, v in after[1].items())
        return app, db


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


# -- report ---------------------------------------------------------------------------------------


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


def http_requests(op: str, count: int) -> int:
    """HTTP requests behind ``count`` operations: a form is a GET and a POST."""
    return count * (2 if op in FORM_OPERATIONS else 1)


def run_users(base, data, *, users, duration, think_time, meter, only=None) -> dict:
    """Log ``users`` in, then run them for ``duration`` seconds; the CPU meter covers only
    the loop, not the logins."""
    results = Results()
    stop = threading.Event()
    started = threading.Barrier(users + 1)
    deadline = [time.monotonic() + 3600]  # set for real once everyone has logged in
    names = data["users"][:users]
    threads = [
        threading.Thread(
            target=user_loop,
            args=(base, name, data, results, stop, i, think_time),
            kwargs={"started": started, "deadline": deadline, "only": only},
            daemon=True,
        )
        for i, name in enumerate(names)
    ]
    for thread in threads:
        thread.start()
    started.wait(timeout=REQUEST_TIMEOUT * 4)
    meter.start()
    start = time.monotonic()
    deadline[0] = start + duration
    hard_stop = deadline[0] + REQUEST_TIMEOUT + 5
    for thread in threads:
        thread.join(timeout=max(0.0, hard_stop - time.monotonic()))
    stop.set()
    elapsed = time.monotonic() - start
    app_cpu, db_cpu = meter.stop()
    text, rows = table(results, min(elapsed, duration) or 1)
    operations = sum(r["requests"] for r in rows if r["operation"] != "login")
    requests = sum(
        http_requests(r["operation"], r["requests"]) for r in rows if r["operation"] != "login"
    )
    per_s = requests / (min(elapsed, duration) or 1)
    return {
        "text": text,
        "rows": rows,
        "elapsed_s": round(elapsed, 1),
        "operations": operations,
        "http_requests": requests,
        "requests_per_s": round(per_s, 1),
        "requests_per_s_per_core": round(per_s / cores(), 1),
        "app_cpu_ms_per_request": round(app_cpu * 1000 / requests, 2) if requests else None,
        "db_cpu_ms_per_request": round(db_cpu * 1000 / requests, 2) if requests else None,
        "app_cpu_ms_per_operation": round(app_cpu * 1000 / operations, 2) if operations else None,
        "db_cpu_ms_per_operation": round(db_cpu * 1000 / operations, 2) if operations else None,
        "errors": sum(r["errors"] for r in rows),
    }


def summary_line(run: dict) -> str:
    return (
        f"{run['http_requests']} HTTP requests in {run['elapsed_s']} s: "
        f"{run['requests_per_s']} requests/s, {run['requests_per_s_per_core']} per core "
        f"({cores()} cores); server CPU per request: {run['app_cpu_ms_per_request']} ms "
        f"gunicorn + {run['db_cpu_ms_per_request']} ms PostgreSQL"
    )


def uptime() -> str:
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return "unknown"
    return "load average " + ", ".join(load)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.load_test")
    parser.add_argument("--database", default="crm_bench")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers (default: docker-compose.yml's web command)",
    )
    parser.add_argument(
        "--think-time",
        type=float,
        default=1.0,
        help="mean seconds a user waits between requests (0 = hammer the server)",
    )
    parser.add_argument(
        "--op-duration",
        type=float,
        default=10.0,
        help="with --think-time 0: seconds each operation then runs alone (0 = skip)",
    )
    parser.add_argument("--op-users", type=int, default=8, help="users of each operation run alone")
    parser.add_argument("--settings", default=os.environ.get("LOAD_SETTINGS", "crm.settings.bench"))
    parser.add_argument("--output-dir", default=str(RESULTS_DIR))
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bench.measure import bench_database_url, run_meta, run_started

    run_started()
    # DATABASE_URL's server, or the embedded PostgreSQL the product configures.
    database_url = bench_database_url(args.database)
    os.environ["DJANGO_SETTINGS_MODULE"] = args.settings
    users = max(args.users, args.op_users if args.think_time == 0 else 0)
    print(f"[load] database {args.database}; preparing {users} users …", flush=True)
    data = prepare(database_url, users)
    print(f"[load] {len(data['contact_ids'])} sample contacts, "
          f"{len(data['segment_ids'])} segments; URLs: "
          f"{ {k: bool(v) for k, v in data['urls'].items()} }", flush=True)  # fmt: skip

    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": args.settings,
           "ALLOWED_HOSTS": HOST, "DJANGO_ALLOW_ASYNC_UNSAFE": ""}  # fmt: skip
    env.pop("DATABASE_NAME", None)
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    port = free_port()
    log = out_dir / f"load-{stamp}-gunicorn.log"
    command = gunicorn_command(port, args.workers)
    print(f"[load] {' '.join(command[1:])} (log: {log})", flush=True)
    server = start_gunicorn(env, port, args.workers, log)
    base = f"http://{HOST}:{port}"
    meter = CpuMeter(server.pid, args.database)
    load_before = uptime()
    operations = []
    try:
        mixed = run_users(base, data, users=args.users, duration=args.duration,
                          think_time=args.think_time, meter=meter)  # fmt: skip
        if args.think_time == 0 and args.op_duration > 0:
            for op in available_operations(data):
                run = run_users(base, data, users=args.op_users, duration=args.op_duration,
                                think_time=0, meter=meter, only=op)  # fmt: skip
                row = next((r for r in run["rows"] if r["operation"] == op), {})
                operations.append({
                    "operation": op,
                    "operations": run["operations"],
                    "http_requests": run["http_requests"],
                    "errors": run["errors"],
                    "requests_per_s": run["requests_per_s"],
                    "p50_ms": row.get("p50_ms"),
                    "app_cpu_ms_per_request": run["app_cpu_ms_per_request"],
                    "db_cpu_ms_per_request": run["db_cpu_ms_per_request"],
                    "app_cpu_ms_per_operation": run["app_cpu_ms_per_operation"],
                    "db_cpu_ms_per_operation": run["db_cpu_ms_per_operation"],
                })  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    workers = command[command.index("--workers") + 1] if "--workers" in command else "?"
    print(f"\n[load] {args.users} users, {args.duration:g} s, think time {args.think_time:g} s, "
          f"{workers} gunicorn workers, database {args.database}; "
          f"{load_before} before, {uptime()} after\n")  # fmt: skip
    print(mixed["text"])
    print(f"\n{summary_line(mixed)}")
    for row in mixed["rows"]:
        if row["error_example"]:
            print(f"  {row['operation']}: first error {row['error_example']}")
    if operations:
        print(f"\nEach operation alone ({args.op_users} users, {args.op_duration:g} s, no think "
              f"time); a form operation is a GET and a POST:\n")  # fmt: skip
        print("| Operation | HTTP requests | Errors | Req/s | Req/s per core | p50 ms | "
              "CPU ms/request (gunicorn + PostgreSQL) | CPU ms/operation |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for o in operations:
            total_req = (o["app_cpu_ms_per_request"] or 0) + (o["db_cpu_ms_per_request"] or 0)
            total_op = (o["app_cpu_ms_per_operation"] or 0) + (o["db_cpu_ms_per_operation"] or 0)
            print(f"| {o['operation']} | {o['http_requests']} | {o['errors']} | "
                  f"{o['requests_per_s']} | {round(o['requests_per_s'] / cores(), 1)} | "
                  f"{o['p50_ms']} | {total_req:.1f} ({o['app_cpu_ms_per_request']} + "
                  f"{o['db_cpu_ms_per_request']}) | {total_op:.1f} |")  # fmt: skip
    out = out_dir / f"load-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "database": args.database,
                "users": args.users,
                "duration_s": args.duration,
                "think_time_s": args.think_time,
                "command": command[1:],
                "cores": cores(),
                "settings": args.settings,
                "load_before": load_before,
                "load_after": uptime(),
                **{k: v for k, v in mixed.items() if k != "text"},
                "operations_alone": operations,
                "run": run_meta(),
            },
            indent=2,
            default=str,
        )
    )
    print(f"\n[load] JSON: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    total_errors = mixed["errors"] + sum(o["errors"] for o in operations)
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main())
