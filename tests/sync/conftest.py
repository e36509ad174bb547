"""A real Tryton server on loopback for the sync tests (scripts/tryton.py).

Once per machine a template database is initialised (``trytond-admin``, about a minute); once
per test session a server process serves a database copied from it; each test gets a fresh
copy (CREATE DATABASE … TEMPLATE, then the server is restarted on it: well under a second).
Under CI=true a Tryton that cannot be installed or started fails the tests, never skips them.
The served copy is named after ``DATABASE_URL``'s database, so that checkouts sharing one
PostgreSQL server do not restart each other's copy.
"""

import os
import re
import socket
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import tryton as tryton_script  # noqa: E402

TEMPLATE = "crm_tryton_template"
# One Tryton database per product database (DATABASE_URL), so checkouts sharing a PostgreSQL
# server do not drop each other's database mid-test.
_PRODUCT_DATABASE = re.sub(r"\W", "_", urlparse(os.environ.get("DATABASE_URL", "")).path.strip("/"))
DATABASE = f"crm_tryton_test_{_PRODUCT_DATABASE}" if _PRODUCT_DATABASE else "crm_tryton_test"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TrytonServer:
    def __init__(self):
        self.port = _free_port()
        self.process = None
        self.log = ROOT / ".data" / "tryton" / "test-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fresh(self) -> None:
        """Stop, copy the template into a clean database, start again."""
        self.stop()
        tryton_script.clone(TEMPLATE, DATABASE)
        self.start()

    def start(self) -> None:
        self.process = tryton_script.start(DATABASE, self.port, log_path=self.log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
        self.process = None


@pytest.fixture(scope="session")
def tryton_server():
    try:
        tryton_script.install()
        tryton_script.init(TEMPLATE)
        server = TrytonServer()
        server.fresh()
    except Exception as exc:
        require_service(False, f"a Tryton server from scripts/tryton.py ({exc})")
    yield server
    server.stop()


@pytest.fixture
def tryton(tryton_server, db):
    """A clean Tryton database behind a running server, and the product connected to it."""
    from sync.models import ExternalCrmConnection

    tryton_server.fresh()
    connection = ExternalCrmConnection.load()
    connection.base_url = tryton_server.url
    connection.database = DATABASE
    connection.username = "admin"
    connection.set_password("admin")
    connection.page_size = 50
    connection.timeout_s = 10
    connection.save()
    return tryton_server


@pytest.fixture
def enabled(tryton):
    """The sync enabled on that database (default mappings, numbers for pulled records)."""
    from setup.models import MarketingSetup
    from sync.services import connection_enable
    from tests.factories.opportunities import number_series_setup
    from tests.factories.setup import series_with_line

    number_series_setup()  # records pulled from Tryton get numbers like any other
    MarketingSetup.objects.update(contact_series=series_with_line("CONT", "TRY00001"))
    connection_enable(enabled=True)
    return tryton


@pytest.fixture
def editor(enabled):
    """Tryton as a person using it (another user than the integration user)."""
    from sync.adapters.tryton import TrytonAdapter

    adapter = TrytonAdapter(
        url=enabled.url,
        database=DATABASE,
        username="editor",
        password="editor-password",
        timeout=10,
    )
    adapter.login()
    return adapter
