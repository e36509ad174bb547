"""The one CSV writer of every export (contacts, reports, segments, campaigns).

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and tab or
carriage return lead there too): an exported value such as ``=HYPERLINK(…)`` or
``+cmd|'/C calc'!A0`` would run on the reader's machine. Following OWASP's "CSV Injection"
rule, such a text cell is written with a leading apostrophe, which spreadsheets show as text.
A text made only of digits, spaces and ``+ - ( ) . , /`` (a phone number, a signed amount
written as text) cannot call a function or reach another cell, and is written unchanged.
Numbers, dates and other non-text values are never altered.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[\d\s()+\-.,/]+")


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet will read it as text, never as a formula."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _Echo:
    """A file whose write() returns the line, so a writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


class SafeWriter:
    """``csv.writer`` whose rows pass through :func:`neutralise`; ``writerow`` returns what
    it wrote (the line itself when writing to no file)."""

    def __init__(self, target=None, **fmtparams):
        self._writer = csv.writer(target if target is not None else _Echo(), **fmtparams)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(rows: Iterable[Iterable[Any]], *, bom: bool = False) -> Iterator[str]:
    """CSV lines of ``rows`` (the first one being the header), one at a time."""
    writer = SafeWriter()
    for index, row in enumerate(rows):
        line = writer.writerow(row)
        yield ("\ufeff" + line) if bom and index == 0 else line


def download(chunks: Iterable[str], filename: str, content_type: str) -> FileResponse:
    """A file download whose length is known before the first byte: the text is written to a
    spooled temporary file (memory up to 8 MB, then disk), then sent with Content-Length, so a
    download cut by a lost connection is reported as failed by the browser instead of looking
    complete (a streamed body without a length ends the same way whether cut or finished)."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b")  # noqa: SIM115
    for chunk in chunks:
        spool.write(chunk.encode("utf-8"))
    size = spool.tell()
    spool.seek(0)
    response = FileResponse(spool, as_attachment=True, filename=filename, content_type=content_type)
    response["Content-Length"] = str(size)
    return response
