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


class LineBreaksFormMixin:
    """Normalise the text fields of a form on the way in.

    A text field left as it was keeps its stored value exactly, even when that value holds
    line breaks from an older import (the browser posted it back without them): a save that
    changes nothing never changes data. Fields in ``multi_line_fields`` (and ``Textarea``
    widgets) keep their lines, written ``\\n``; every other text value becomes one line."""

    multi_line_fields: tuple[str, ...] = ()

    def clean(self):
        from django import forms

        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            field = self.fields.get(name)
            if not isinstance(value, str) or field is None:
                continue
            if name in self.multi_line_fields or isinstance(field.widget, forms.Textarea):
                cleaned[name] = multi_line(value)
                continue
            initial = self.get_initial_for_field(field, name)
            if (
                isinstance(initial, str)
                and value != initial
                and value in {as_browser_posts(initial).strip(), single_line(initial).strip()}
            ):
                cleaned[name] = initial  # left as it was: keep the stored text
            else:
                cleaned[name] = single_line(value)
        return cleaned
