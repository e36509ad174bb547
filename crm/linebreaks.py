"""Line breaks in text entering the product (imports, API, forms).

A single-line field (a ``CharField`` shown in ``<input type="text">``) cannot hold a line
break: the browser strips it from the input's value, so the next save of the edit form would
silently change the stored text. Values are therefore normalised on the way in:

* single-line fields: each run of line breaks (with the blanks around it) becomes one space;
* multi-line fields (comments, notes): ``\\r\\n`` and ``\\r`` become ``\\n``.
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

_BREAK_RUN = re.compile(r"[ \t]*(?:\r\n|[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029])+[ \t]*")
_MULTI = re.compile(r"\r\n?|[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_NEWLINES = re.compile(r"[\r\n]")


def single_line(value: Any) -> Any:
    """``value`` with its line breaks collapsed to one space (non-strings pass through)."""
    if not isinstance(value, str):
        return value
    return _BREAK_RUN.sub(" ", value)


def multi_line(value: Any) -> Any:
    """``value`` with every line break written ``\\n`` (non-strings pass through)."""
    if not isinstance(value, str):
        return value
    return _MULTI.sub("\n", value)


def normalize_line_breaks(data: Mapping[str, Any], *, multi: Iterable[str] = ()) -> dict:
    """A copy of ``data`` whose text values are normalised per field: names in ``multi``
    keep their lines (as ``\\n``), every other text value becomes a single line."""
    multi = set(multi)
    return {k: multi_line(v) if k in multi else single_line(v) for k, v in data.items()}


def as_browser_posts(value: Any) -> Any:
    """What a browser posts back for ``value`` shown in ``<input type="text">``: the HTML
    value sanitisation algorithm strips CR and LF characters."""
    if not isinstance(value, str):
        return value
    return _NEWLINES.sub("", value)
