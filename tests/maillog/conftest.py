"""A private dovecot IMAP server on loopback (SPEC 11 tests against a real server)."""

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import require_service

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
IMAP_USER = "crmlog"
IMAP_PASSWORD = "secret"

CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {tmp}/run
state_dir = {tmp}/state
instance_name = crm-test-{port}
log_path = {tmp}/dovecot.log
info_log_path = {tmp}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_login_user = {user}
first_valid_uid = 1
mail_location = maildir:{tmp}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={tmp}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def dovecot():
    """Start dovecot on 127.0.0.1:<free port>; yields (host, port, user, password)."""
    require_service(os.path.exists(DOVECOT), "dovecot (apt-get install dovecot-imapd)")
    # not under pytest's 0700 base dir: the mail processes run as the dovecot user
    tmp = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    account = pwd.getpwnam("dovecot") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    for sub in ("run", "state", "mail", "home"):
        (tmp / sub).mkdir()
    if os.geteuid() == 0:
        for sub in ("mail", "home"):
            os.chown(tmp / sub, account.pw_uid, account.pw_gid)
        os.chmod(tmp, 0o755)  # noqa: S103 - the dovecot user must enter it
    port = _free_port()
    config = Path(tmp) / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            tmp=tmp,
            port=port,
            uid=account.pw_uid,
            gid=account.pw_gid,
            user=account.pw_name,
            password=IMAP_PASSWORD,
        )
    )
    # dovecot daemonizes: its output goes to a file so no pipe is left open
    with open(tmp / "start.log", "w") as out:
        process = subprocess.run(
            [DOVECOT, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT, timeout=30
        )
    if process.returncode != 0:
        pytest.fail(f"dovecot did not start: {(tmp / 'start.log').read_text()}")
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                log = (tmp / "dovecot.log").read_text() if (tmp / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot is not listening: {log}")
            time.sleep(0.1)
    yield {"host": "127.0.0.1", "port": port, "user": IMAP_USER, "password": IMAP_PASSWORD}
    subprocess.run(
        [DOVECOT, "-c", str(config), "stop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot):
    """A fresh mailbox (a new user per test) and an IMAP helper."""
    user = f"u{time.monotonic_ns()}"
    imap = imaplib.IMAP4(dovecot["host"], dovecot["port"])
    imap.login(user, dovecot["password"])

    class Box:
        account = {**dovecot, "user": user}

        @staticmethod
        def append(raw: bytes, folder="INBOX", flags="", when=None):
            status, data = imap.append(
                folder, flags, imaplib.Time2Internaldate(when or time.time()), raw
            )
            assert status == "OK", data

        @staticmethod
        def count(folder) -> int:
            status, data = imap.status(f'"{folder}"', "(MESSAGES)")
            if status != "OK":
                return 0
            return int(data[0].rsplit(b"MESSAGES ", 1)[1].rstrip(b")"))

    yield Box
    imap.logout()
