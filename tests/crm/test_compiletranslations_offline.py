import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_translations_compile_with_no_database_reachable():
    """The Docker image build runs ``compiletranslations`` with no database: it must not run
    the model checks (a GeneratedField's check asks the server for its version)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "crm.settings.dev",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "compiletranslations"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "compiled" in result.stdout
