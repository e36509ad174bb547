"""Optimistic locking for edit forms: a stale save is refused, never applied silently.

The version token is the row's ``updated_at`` (every update service saves it), so no model
needs a new column. The edit form carries the token it was rendered with in a hidden
``version`` field; the update service locks the row (``select_for_update``) and calls
``ensure_not_stale`` before writing. When the token differs, the save is refused with the
fields whose submitted value differs from the stored one (field: your value / current value).

A form that posts no version, or an empty one, is refused like a stale one: only callers without
a form (import, API, task) pass ``None`` and skip the check. A field the POST leaves out keeps
its stored value (``VersionFormMixin``): a partial or hand-made POST never blanks a field.
"""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

VERSION_FIELD = "version"

STALE = gettext_noop(
    "Someone else saved this record after you opened it, so your changes were not saved. "
    "Changed fields (your value / current value): %(changes)s. "
    "Check the values and save again to keep yours, or reload the page."
)
STALE_NO_FIELDS = gettext_noop(
    "Someone else saved this record after you opened it, so your changes were not saved. "
    "Save again to keep your values, or reload the page."
)


def version_token(instance: models.Model) -> str:
    """The token an edit form carries: ``updated_at`` with microseconds, or '' if unset."""
    value = getattr(instance, "updated_at", None)
    return value.isoformat() if value else ""


def _parse(token: str | dt.datetime | None) -> dt.datetime | None:
    if token in (None, ""):
        return None
    if isinstance(token, dt.datetime):
        return token
    try:
        return parse_datetime(str(token))
    except ValueError:
        return None


def _display(field: models.Field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _comparable(field: models.Field, value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None and not field.is_relation and field.empty_strings_allowed:
        return ""
    if isinstance(value, str):
        return value.strip()
    return value


class StaleObjectError(ValidationError):
    """A save based on an outdated version; ``changes`` lists (label, yours, current)."""

    def __init__(self, message, *, changes: list[tuple[str, str, str]], params=None):
        super().__init__(message, code="stale", params=params)
        self.changes = changes


def stale_changes(
    *, instance: models.Model, data: dict[str, Any], fields: list[str]
) -> list[tuple[str, str, str]]:
    """(label, your value, current value) for each of ``fields`` where ``data`` differs."""
    rows = []
    for name in fields:
        if name not in data:
            continue
        field = instance._meta.get_field(name)
        current = getattr(instance, name)
        if _comparable(field, data[name]) != _comparable(field, current):
            label = str(field.verbose_name)
            rows.append((label[:1].upper() + label[1:], _display(field, data[name]),
                         _display(field, current)))  # fmt: skip
    return rows


def ensure_not_stale(
    *,
    instance: models.Model,
    expected_version: str | dt.datetime | None,
    fields: list[str],
    data: dict[str, Any] | None = None,
) -> None:
    """Refuse a save prepared against an older version of ``instance``.

    ``instance`` must be the row just read with ``select_for_update()`` inside the service's
    transaction. ``expected_version`` is the token the form was rendered with; ``None`` (a
    caller without a form: import, API, task) skips the check, while an empty or unreadable
    token (a POST without the form's version) is refused. ``fields`` are the fields the caller
    edits; ``data`` their submitted values (listed when they differ from the row).
    """
    if expected_version is None:
        return
    expected = _parse(expected_version)
    current = getattr(instance, "updated_at", None)
    if expected is not None and current is not None and expected == current:
        return
    changes = stale_changes(instance=instance, data=data or {}, fields=fields)
    if not changes:
        raise StaleObjectError(_(STALE_NO_FIELDS), changes=[])
    text = "; ".join(f"{label}: {yours} / {now}" for label, yours, now in changes)
    raise StaleObjectError(_(STALE), changes=changes, params={"changes": text})


class VersionFormMixin(forms.Form):
    """Adds the hidden ``version`` field; its initial value comes from ``version_instance``.

    A ModelForm gets it from ``instance``; a plain form passes ``version_instance=`` or an
    ``initial={"version": ...}``. After a stale refusal, ``refresh_version`` puts the current
    token in the re-rendered form, so saving again keeps the user's values knowingly.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, version_instance: models.Model | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        source = version_instance or getattr(self, "instance", None)
        self._edits_a_record = source is not None and source.pk is not None
        if self._edits_a_record:
            self.fields[VERSION_FIELD].initial = version_token(source)

    def full_clean(self):
        if self.is_bound and self._edits_a_record:  # fields added after __init__ count too
            self._keep_omitted_fields()
        super().full_clean()

    def _keep_omitted_fields(self) -> None:
        """A field missing from the POST keeps its initial (stored) value instead of blanking.

        The widget decides what "missing" means: an unticked checkbox or an empty multiple
        select is a value (HTML omits them), an absent text input is not. Such a field is
        cleaned as disabled, i.e. from its initial value, and shown read-only if re-rendered.
        """
        for name, field in self.fields.items():
            if name == VERSION_FIELD or field.disabled:
                continue
            if field.widget.value_omitted_from_data(self.data, self.files, self.add_prefix(name)):
                field.disabled = True

    @property
    def expected_version(self) -> str | None:
        """The submitted token ('' when the POST carries none), or None for an unbound form."""
        if not self.is_bound:
            return None
        return self.data.get(self.add_prefix(VERSION_FIELD)) or ""

    def refresh_version(self, instance: models.Model) -> None:
        instance.refresh_from_db(fields=["updated_at"])
        data = self.data.copy()
        data[self.add_prefix(VERSION_FIELD)] = version_token(instance)
        self.data = data


class VersionAdminForm(VersionFormMixin, forms.ModelForm):
    """The admin's change form of a record two administrators can open (setup code tables,
    salespeople, number series…): a stale or versionless save is refused like on the pages.

    The admin saves in a transaction: the row is locked before it is compared."""

    def clean(self):
        cleaned = super().clean()
        if self._edits_a_record:
            manager = type(self.instance)._default_manager
            rows = manager.select_for_update() if connection.in_atomic_block else manager.all()
            current = rows.get(pk=self.instance.pk)
            names = {f.name for f in self.instance._meta.concrete_fields}
            edited = [name for name in self.changed_data if name in names]
            ensure_not_stale(
                instance=current,
                expected_version=self.expected_version,
                fields=edited,
                data=cleaned,
            )
        return cleaned
