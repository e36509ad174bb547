"""What the sync engine needs from a remote system, whatever it is (SPEC §13).

An adapter speaks one remote protocol (Tryton's JSON-RPC today; an OData v4 service or another
installation of this product through /api/v1/ later) and shows the engine *flat* records: a
remote id, when and by whom the record was last modified, and a dict of field → value in the
field names of the mapping (``docs/sync-mapping.md``). The engine never sees the protocol.

HTTP behaviour shared by every adapter (SYN-16) lives in :class:`HttpTransport`: 401 → log in
again once and retry; 429 (honouring ``Retry-After``), 5xx, dropped connections and time-outs →
retry with exponential back-off, five tries at most; any other 4xx → :class:`RemoteError`
carrying the status and body, which fails only the row that caused it.
"""

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from django.utils.translation import gettext_noop

from sync.texts import Source, SourceError, msg, text

MAX_TRIES = 5


class RemoteError(SourceError):
    """The remote refused one request (a row fails; the run goes on).

    ``message`` is a msgid (``gettext_noop``) filled with ``params``, or, with ``remote=True``,
    what the remote itself said (data, shown as it is)."""

    def __init__(
        self,
        message: str | Source,
        *,
        params: dict | None = None,
        status: int | None = None,
        body: str = "",
        remote: bool = False,
    ):
        if isinstance(message, dict):
            source = message
        else:
            source = text(message) if remote else msg(message, **(params or {}))
        super().__init__(source)
        self.status = status
        self.body = body

    @property
    def detail(self) -> str:
        parts = []
        if self.status:
            parts.append(f"HTTP {self.status}")
        if self.body:
            parts.append(self.body[:4000])
        return "\n".join(parts)


class RemoteUnavailable(RemoteError):
    """The remote cannot be reached or keeps failing after every retry (the run stops)."""


class RemoteAuthError(RemoteError):
    """Wrong URL, database, user or password (the run stops)."""


@dataclass
class RemoteRow:
    id: str
    modified: dt.datetime | None
    modified_by: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    # The row's place in ``modified_since``'s pages, as the adapter defines it: the next page
    # starts after it.
    cursor: Any = None


class HttpTransport:
    """POST JSON with the retry policy of SYN-16."""

    def __init__(
        self,
        *,
        timeout: float,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
    ):
        self.session = requests.Session()
        self.timeout = timeout
        self.sleep = sleep
        self.backoff = backoff

    def post(
        self, url: str, payload: dict, *, headers: dict, relogin: Callable[[], dict] | None = None
    ) -> requests.Response:
        relogged = False
        delay = self.backoff
        last_error: Source = text("")
        for attempt in range(1, MAX_TRIES + 1):
            try:
                response = self.session.post(
                    url, json=payload, headers=headers, timeout=self.timeout
                )
            except requests.Timeout:
                last_error = msg(
                    gettext_noop("no answer within %(seconds)s s"), seconds=self.timeout
                )
            except requests.ConnectionError as exc:
                last_error = msg(
                    gettext_noop("connection failed: %(error)s"), error=exc.__class__.__name__
                )
            else:
                status = response.status_code
                if status == 401 and relogin is not None and not relogged:
                    relogged = True
                    headers = {**headers, **relogin()}
                    continue
                if status == 429 or status >= 500:
                    last_error = text(f"HTTP {status}")
                    if attempt < MAX_TRIES:
                        self.sleep(_retry_after(response) or delay)
                        delay *= 2
                        continue
                    raise RemoteUnavailable(
                        gettext_noop("the external CRM answered HTTP %(status)s %(tries)s times"),
                        params={"status": status, "tries": MAX_TRIES},
                        status=status,
                        body=response.text,
                    )
                if status == 401:
                    raise RemoteAuthError(
                        gettext_noop("the external CRM refused the credentials"), status=401
                    )
                if status >= 400:
                    raise RemoteError(
                        gettext_noop("the external CRM refused the request (HTTP %(status)s)"),
                        params={"status": status},
                        status=status,
                        body=response.text,
                    )
                return response
            if attempt < MAX_TRIES:
                self.sleep(delay)
                delay *= 2
        raise RemoteUnavailable(
            gettext_noop("the external CRM is unreachable (%(reason)s)"),
            params={"reason": last_error},
        )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return min(float(value), 60.0)
    except ValueError:
        return None


class RemoteAdapter:
    """The interface of every remote. Ids are strings; values are flat dicts."""

    def login(self) -> str:
        """Authenticate; return the remote id of the integration user."""
        raise NotImplementedError

    def modified_since(
        self,
        resource: str,
        since: dt.datetime | None,
        *,
        remote_filter: str,
        fields: list[str],
        after: RemoteRow | None,
        limit: int,
    ) -> list[RemoteRow]:
        """One page of the records modified after ``since``, oldest change first; ``after``
        is the last row of the previous page (None for the first page)."""
        raise NotImplementedError

    def created_since(
        self, resource: str, since: dt.datetime, *, created_by: str, fields: list[str]
    ) -> list[RemoteRow]:
        """The records that ``created_by`` created at ``since`` or later, oldest first."""
        raise NotImplementedError

    def read(self, resource: str, ids: Iterable[str], fields: list[str]) -> list[RemoteRow]:
        """The records of ``ids`` that still exist."""
        raise NotImplementedError

    def create(self, resource: str, values: list[dict]) -> list[str]:
        """Create many records in one call; their new ids, in order."""
        raise NotImplementedError

    def write(self, resource: str, changes: list[tuple[str, dict]]) -> None:
        """Write several records, each with its own values, in one call."""
        raise NotImplementedError

    def delete(self, resource: str, ids: list[str]) -> None:
        raise NotImplementedError

    def search(
        self,
        resource: str,
        criteria: list[tuple[str, Any, bool]],
        *,
        remote_filter: str,
        limit: int,
        contains: bool = False,
    ) -> list[RemoteRow]:
        """Records whose fields equal the criteria (field, value, case-sensitive), or with
        ``contains`` hold the value (the record picker), in the remote's order."""
        raise NotImplementedError

    def existing_ids(self, resource: str, ids: list[str]) -> set[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create on the remote what the default mappings rely on (idempotent)."""
