"""Commands that must work with no database reachable: the Docker image build compiles the
translations, and ``makemigrations --check`` / ``check`` run in CI steps and on a fresh
checkout before any database exists. They run the system checks; the checks of the generated
search columns must not connect (crm.fields.StoredGeneratedField)."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

NO_DATABASE = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "crm.settings.dev",
    "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
    "REDIS_URL": "redis://127.0.0.1:9/0",
}


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["compiletranslations"], "compiled"),
        (["check"], "System check identified no issues"),
        (["makemigrations", "--check", "--dry-run"], "No changes detected"),
    ],
)
def test_command_runs_with_no_database_reachable(command, expected):
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=Path(settings.BASE_DIR),
        env=NO_DATABASE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout
