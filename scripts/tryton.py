"""A real Tryton server on loopback, for the external-CRM sync (SPEC §13): try it, test it.

    python scripts/tryton.py up [--port 8069] [--database tryton_crm]   # install, init, serve
    python scripts/tryton.py install                                    # only the virtualenv
    python scripts/tryton.py init [--database NAME] [--force]           # only the database

``install`` makes a virtualenv of its own in ``.data/tryton/venv`` with the pinned versions of
``scripts/tryton-requirements.txt`` (Tryton 8.2 and the modules the mapping needs). ``init``
creates the database on the PostgreSQL the product uses (``DATABASE_URL``, else the embedded
one of ``scripts/launch.py``) and initialises it with ``trytond-admin`` (party, company,
currency, sale_opportunity, party_relationship; the admin password is ``TRYTON_PASSWORD``,
default ``admin``), then creates the company and the currency the product's records refer to.
``up`` does both when needed and serves JSON-RPC at ``http://127.0.0.1:<port>/<database>/``
until Ctrl+C. In the product: *Setup → External CRM*, URL ``http://127.0.0.1:<port>``,
database ``tryton_crm``, user ``admin``, password ``admin``.
"""

import argparse
import functools
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".data" / "tryton"
VENV = HOME / "venv"
REQUIREMENTS = ROOT / "scripts" / "tryton-requirements.txt"
MODULES = ["party", "company", "currency", "sale_opportunity", "party_relationship"]
DEFAULT_DATABASE = "tryton_crm"
DEFAULT_PORT = 8069


def log(message: str) -> None:
    print(f"[tryton] {message}", flush=True)


def venv_bin(name: str) -> Path:
    return VENV / "bin" / name


def installed() -> bool:
    marker = VENV / ".requirements"
    return marker.exists() and marker.read_text() == REQUIREMENTS.read_text()


def install() -> None:
    """The pinned Tryton into ``.data/tryton/venv`` (skipped when already there)."""
    if installed():
        return
    log(f"installing Tryton into {VENV.relative_to(ROOT)}")
    if VENV.exists():
        shutil.rmtree(VENV)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    uv = shutil.which("uv") or str(ROOT / ".data" / "tools" / "bin" / "uv")
    if Path(uv).exists():
        command = [uv, "pip", "install", "--quiet", "--python", str(venv_bin("python"))]
    else:
        command = [str(venv_bin("python")), "-m", "pip", "install", "--quiet"]
    subprocess.run([*command, "-r", str(REQUIREMENTS)], check=True)
    (VENV / ".requirements").write_text(REQUIREMENTS.read_text())


@functools.cache
def server_uri() -> str:
    """The product's PostgreSQL server as Tryton's ``[database] uri`` (libpq URI syntax, so an
    embedded server's ``?host=<socket dir>`` carries over; trytond puts the database name in
    the path)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from launch import ensure_database

    return urlparse(ensure_database())._replace(scheme="postgresql", path="/").geturl()


def write_config(uri: str, port: int = DEFAULT_PORT) -> Path:
    HOME.mkdir(parents=True, exist_ok=True)
    config = HOME / f"trytond-{port}.conf"
    config.write_text(
        "[database]\n"
        f"uri = {uri}\n"
        f"path = {HOME / 'files'}\n"
        "[web]\n"
        f"listen = 127.0.0.1:{port}\n"
        "[session]\n"
        "timeout = 86400\n"
        "max_attempt = 1000\n"
        "[request]\n"
        "max_size_authenticated = 1073741824\n"
    )
    return config


def psql_admin():
    """A psycopg connection to the server's ``postgres`` database (for CREATE DATABASE)."""
    import psycopg

    return psycopg.connect(
        urlparse(server_uri())._replace(path="/postgres").geturl(), autocommit=True
    )


def database_exists(name: str) -> bool:
    with psql_admin() as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def admin(config: Path, database: str, env: dict) -> None:
    """``trytond-admin``: every module the mapping needs, in a new database."""
    password_file = HOME / "admin-password"
    password_file.write_text(os.environ.get("TRYTON_PASSWORD", "admin"))
    env["TRYTONPASSFILE"] = str(password_file)
    log(f"initialising database {database} (about a minute of CPU)")
    subprocess.run(
        [
            str(venv_bin("trytond-admin")),
            "-c",
            str(config),
            "-d",
            database,
            "--all",
            "-u",
            *MODULES,
            "--activate-dependencies",
            "--email",
            "admin@example.test",
        ],
        check=True,
        env=env,
    )


def init(database: str, *, force: bool = False) -> Path:
    """Create and initialise ``database`` (skipped when it exists, unless ``force``)."""
    install()
    config = write_config(server_uri())
    env = dict(os.environ)
    if force and database_exists(database):
        with psql_admin() as conn:
            conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    if not database_exists(database):
        with psql_admin() as conn:
            conn.execute(f"CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0")
        admin(config, database, env)
    subprocess.run(
        [str(venv_bin("python")), str(ROOT / "scripts" / "tryton_setup.py"), str(config), database],
        check=True,
        env=env,
    )
    return config


def clone(template: str, database: str) -> None:
    """``database`` as a fresh copy of ``template`` (a file copy: well under a second)."""
    with psql_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')


def start(database: str, port: int, *, log_path: Path | None = None) -> subprocess.Popen:
    """Start ``trytond`` for ``database`` on 127.0.0.1:``port``; return once it answers."""
    config = write_config(server_uri(), port)
    env = dict(os.environ)
    output = log_path.open("ab") if log_path else None
    process = subprocess.Popen(
        [str(venv_bin("trytond")), "-c", str(config), "-d", database],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT if output else None,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"trytond exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except urllib.error.HTTPError:
            break  # it answers (404/405 on /)
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("trytond did not answer within 60 s")
    return process


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/tryton.py")
    parser.add_argument("command", choices=["up", "install", "init"])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--force", action="store_true", help="drop and re-create the database")
    args = parser.parse_args(argv)
    if args.command == "install":
        install()
        return 0
    init(args.database, force=args.force)
    if args.command == "init":
        return 0
    process = start(args.database, args.port)
    log(f"Tryton serving {args.database} at http://127.0.0.1:{args.port}/ (Ctrl+C to stop)")
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
