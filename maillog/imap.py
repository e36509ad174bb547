"""The mailbox of e-mail logging, through IMAPClient (UIDs only; responses parsed by the
library). A message leaves the inbox with MOVE, or COPY then a delete of that message alone:
a delete never expunges the whole folder, so messages the user flagged deleted stay."""

import contextlib
import datetime as dt
import ssl
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from .crypto import secret_decrypt
from .models import EmailLoggingSetup, Security

TIMEOUT_S = 30
DELETED = b"\\Deleted"


class ImapConnectionError(Exception):
    pass


@dataclass(frozen=True)
class FetchedMessage:
    raw: bytes
    flags: tuple[bytes, ...]
    internal_date: dt.datetime | None  # aware


class Mailbox:
    def __init__(self, setup: EmailLoggingSetup) -> None:
        self.setup = setup
        try:
            context = ssl.create_default_context()
            self.imap = IMAPClient(
                setup.imap_host,
                port=setup.imap_port,
                use_uid=True,
                ssl=setup.security == Security.SSL_TLS,
                ssl_context=context,
                timeout=TIMEOUT_S,
            )
            self.imap.normalise_times = False  # INTERNALDATE as an aware datetime
            if setup.security == Security.STARTTLS:
                self.imap.starttls(context)
            self.imap.login(setup.username, secret_decrypt(setup.password_encrypted))
        except (OSError, IMAPClientError) as exc:
            raise ImapConnectionError(str(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError, IMAPClientError):
            self.imap.logout()

    def ensure_folder(self, folder: str) -> None:
        if folder and not self.imap.folder_exists(folder):
            self.imap.create_folder(folder)

    def select(self, folder: str) -> None:
        try:
            self.imap.select_folder(folder)
        except IMAPClientError as exc:
            raise ImapConnectionError(f"cannot select {folder}: {exc}") from exc

    def uids(self, limit: int) -> list[int]:
        """Oldest first (EML-2): ascending UIDs of the selected folder, without the messages
        the user flagged deleted (they are on their way out)."""
        try:
            found = self.imap.search(["NOT", "DELETED"])
        except IMAPClientError as exc:
            raise ImapConnectionError(f"search failed: {exc}") from exc
        return sorted(found)[:limit]

    def fetch(self, uid: int) -> FetchedMessage:
        try:
            data = self.imap.fetch([uid], ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"]).get(uid)
        except IMAPClientError as exc:
            raise ImapConnectionError(f"fetch {uid} failed: {exc}") from exc
        if not data or b"BODY[]" not in data:
            raise ImapConnectionError(f"fetch {uid} failed: no message")
        return FetchedMessage(
            raw=data[b"BODY[]"],
            flags=tuple(data.get(b"FLAGS", ())),
            internal_date=data.get(b"INTERNALDATE"),
        )

    def _delete(self, uid: int) -> None:
        """Flag the message deleted and expunge it alone (UID EXPUNGE, RFC 4315). A server
        without UIDPLUS keeps it flagged: its own client expunges it later."""
        self.imap.add_flags([uid], [DELETED], silent=True)
        if self.imap.has_capability("UIDPLUS"):
            self.imap.uid_expunge([uid])

    def move(self, uid: int, folder: str) -> bool:
        """Move to ``folder`` (blank = delete); False when the server refused."""
        try:
            if not folder:
                self._delete(uid)
                return True
            if self.imap.has_capability("MOVE"):
                self.imap.move([uid], folder)
                return True
            self.imap.copy([uid], folder)
            self._delete(uid)
            return True
        except IMAPClientError:
            return False

    def flag_logged(self, uid: int) -> None:
        self.imap.add_flags([uid], [b"\\Seen", b"$CRMLogged"], silent=True)
