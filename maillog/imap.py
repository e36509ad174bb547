"""A thin IMAP client over imaplib (UIDs only)."""

import contextlib
import imaplib
import re
import ssl

from .crypto import secret_decrypt
from .models import EmailLoggingSetup, Security

TIMEOUT_S = 30
_FETCH_RE = re.compile(rb"UID (\d+)")


class ImapConnectionError(Exception):
    pass


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Mailbox:
    def __init__(self, setup: EmailLoggingSetup) -> None:
        self.setup = setup
        try:
            if setup.security == Security.SSL_TLS:
                self.imap = imaplib.IMAP4_SSL(
                    setup.imap_host,
                    setup.imap_port,
                    ssl_context=ssl.create_default_context(),
                    timeout=TIMEOUT_S,
                )
            else:
                self.imap = imaplib.IMAP4(setup.imap_host, setup.imap_port, timeout=TIMEOUT_S)
                if setup.security == Security.STARTTLS:
                    self.imap.starttls(ssl.create_default_context())
            self.imap.login(setup.username, secret_decrypt(setup.password_encrypted))
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ImapConnectionError(str(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.imap.logout()

    def ensure_folder(self, folder: str) -> None:
        if folder:
            self.imap.create(_quote(folder))  # "already exists" is fine

    def select(self, folder: str) -> None:
        status, data = self.imap.select(_quote(folder))
        if status != "OK":
            raise ImapConnectionError(f"cannot select {folder}: {data!r}")

    def uids(self, limit: int) -> list[bytes]:
        """Oldest first (EML-2): ascending UIDs of the selected folder."""
        status, data = self.imap.uid("SEARCH", None, "ALL")
        if status != "OK":
            raise ImapConnectionError(f"search failed: {data!r}")
        return sorted(data[0].split(), key=int)[:limit]

    def fetch(self, uid: bytes) -> tuple[bytes, bytes, str]:
        """(raw message, flags, INTERNALDATE text)."""
        status, data = self.imap.uid("FETCH", uid, "(FLAGS INTERNALDATE BODY.PEEK[])")
        if status != "OK" or not data or not isinstance(data[0], tuple):
            raise ImapConnectionError(f"fetch {uid!r} failed: {data!r}")
        meta, raw = data[0]
        flags = re.search(rb"FLAGS \(([^)]*)\)", meta)
        internal = re.search(rb'INTERNALDATE "([^"]+)"', meta)
        return (
            raw,
            flags.group(1) if flags else b"",
            internal.group(1).decode() if internal else "",
        )

    def move(self, uid: bytes, folder: str) -> bool:
        """Move to ``folder`` (blank = delete); False when the server refused."""
        try:
            if not folder:
                self.imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
                self.imap.expunge()
                return True
            status, _data = self.imap.uid("MOVE", uid, _quote(folder))
            if status == "OK":
                return True
            status, _data = self.imap.uid("COPY", uid, _quote(folder))
            if status != "OK":
                return False
            self.imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            self.imap.expunge()
            return True
        except imaplib.IMAP4.error:
            return False

    def flag_logged(self, uid: bytes) -> None:
        self.imap.uid("STORE", uid, "+FLAGS", "(\\Seen $CRMLogged)")
