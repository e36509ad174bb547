"""Sync messages stored as their *source*, rendered in the reader's language.

A sync error is written by a worker, whose language is nobody's, and read later by a person in
theirs. So the engine stores a message as a small JSON tree instead of text:

* ``{"id": msgid, "params": {name: value}}``: a translatable message (``gettext_noop``'d), its
  ``%(name)s`` parameters either plain values (data: shown as they are) or sources themselves;
* ``{"text": "…"}``: data shown as it is (a refusal written by the remote, a value);
* ``{"join": [source, …]}``: several messages, shown separated by "; ".

:func:`render` turns a source into text with ``gettext`` in the active language (the request's,
on a page). The old text columns (``message``, ``last_error``) still get the English text, for
rows written before sources existed and for anything that reads them as text.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext

Source = dict[str, Any]


def msg(msgid: str, **params: Any) -> Source:
    """A translatable message; ``msgid`` must be a literal marked with ``gettext_noop``."""
    return {"id": str(msgid), "params": {k: _param(v) for k, v in params.items()}}


def text(value: Any) -> Source:
    """Data, shown as it is in every language."""
    return {"text": "" if value is None else str(value)}


def join(sources: list[Source]) -> Source:
    return sources[0] if len(sources) == 1 else {"join": sources}


def _param(value: Any) -> Any:
    if isinstance(value, dict) and ({"id", "text", "join"} & value.keys()):
        return value  # a source already
    if isinstance(value, Promise):  # a lazy translation: keep its msgid
        return {"id": _msgid(value), "params": {}}
    if isinstance(value, SourceError):
        return value.source
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _msgid(lazy: Promise) -> str:
    with translation.override(None):  # NullTranslations: the untranslated msgid
        return str(lazy)


def render(source: Any) -> str:
    """``source`` as text in the active language ("" for none)."""
    if source is None or source == {}:
        return ""
    if isinstance(source, str):
        return source
    if not isinstance(source, dict):
        return str(source)
    if "join" in source:
        return "; ".join(render(part) for part in source["join"])
    if "text" in source:
        return str(source["text"])
    params = source.get("params") or {}
    if "plural" in source:  # ngettext: the form follows the parameter named by "number"
        count = params.get(source.get("number", ""), 1)
        count = count if isinstance(count, int) else 1
        template = ngettext(source.get("id", ""), source["plural"], count)
    else:
        template = gettext(source.get("id", ""))
    if not params:
        return template
    values = {k: render(v) if isinstance(v, dict) else v for k, v in params.items()}
    try:
        return template % values
    except (KeyError, TypeError, ValueError):  # a translation that lost a parameter
        return source.get("id", "") % values


def render_en(source: Any) -> str:
    """The English text of ``source`` (the old text columns)."""
    with translation.override("en"):
        return render(source)


def shown(source: Any, fallback: str) -> str:
    """What a page shows: the source in the active language, else the stored text."""
    return render(source) if source else fallback


class SourceError(Exception):
    """An exception whose message is a source (``str()`` renders it in the active language)."""

    def __init__(self, source: Source):
        super().__init__(source)
        self.source = source

    def __str__(self) -> str:
        return render(self.source)


def of_exception(exc: BaseException) -> Source:
    """The source of what ``exc`` says: sources carried by our exceptions, Django's validation
    messages by msgid and parameters, anything else as the text it renders to."""
    if isinstance(exc, SourceError):
        return exc.source
    if isinstance(exc, ValidationError):
        return join([_validation_source(e) for e in _errors(exc)] or [text(exc)])
    return text(exc)


def _errors(exc: ValidationError) -> list[ValidationError]:
    if hasattr(exc, "error_dict"):
        return [e for errors in exc.error_dict.values() for e in errors]
    return list(exc.error_list)


def _validation_source(error: ValidationError) -> Source:
    message = error.message
    params = error.params or {}
    if isinstance(message, Promise):
        plural = _plural(message)
        if plural is not None:
            singular, plural_msgid, number = plural
            return {**msg(singular, **params), "plural": plural_msgid, "number": number}
        return msg(_msgid(message), **params)
    if params:  # a plain string with parameters still to fill in
        return {"text": str(message) % {k: render(_param(v)) for k, v in params.items()}}
    return text(message)


def _plural(lazy: Promise) -> tuple[str, str, str] | None:
    """(singular, plural, name of the count parameter) of an ``ngettext_lazy`` whose count is
    a parameter name (as Django's validators use it), else None."""
    try:
        unpickle, args = lazy.__reduce__()
    except (TypeError, ValueError):
        return None
    if unpickle is not getattr(translation, "_lazy_number_unpickle", None):
        return None
    _func, _resultclass, number, kwargs = args
    if not isinstance(number, str) or "singular" not in kwargs:
        return None
    return str(kwargs["singular"]), str(kwargs["plural"]), number
