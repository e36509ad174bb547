"""The product's shared widgets: ISO date pickers and type-ahead pickers for large tables.

**Dates.** The product's one date and date-time widget: native pickers fed with ISO values.

A browser's ``<input type="date">`` only accepts ``YYYY-MM-DD`` (``datetime-local``:
``YYYY-MM-DDTHH:MM``) in its ``value`` and shows it in the user's own locale; Django's
``DateInput`` renders the active language's first input format instead (``07/12/2026`` in
French), which the browser silently discards, so the field comes up empty and the next save
loses the date. These widgets always render ISO, whatever the language; every date and
date-time form or filter field of the product uses them (``tests/crm/test_date_widgets.py``
walks every form and filter class to make sure). Parsing needs nothing special: Django adds
the ISO formats to every language's ``DATE_INPUT_FORMATS``/``DATETIME_INPUT_FORMATS``.

**Type-ahead pickers** (``SearchSelect``, ``SearchSelectMultiple``) for foreign keys to the
large tables (contacts, opportunities, segments, campaigns).

A plain ``Select`` renders one ``<option>`` per row of its queryset: 316 contacts in the demo, a
million at scale. ``SearchSelect`` renders only the selected row(s) and carries the URL of a
server-side search (``data-search-url``); ``static/js/search_select.js`` turns every such
``<select>`` into a Tom Select box that asks that URL for the first matches as the user types
(keyboard: type, ArrowDown, Enter). Validation stays the field's: a ``ModelChoiceField`` still
checks the posted pk against its queryset with one query.

    contact = forms.ModelChoiceField(
        queryset=Contact.objects.all(), widget=SearchSelect("contacts:contact-search")
    )

The search endpoints answer ``{"results": [{"value": pk, "text": label}, ...]}`` (see
``crm.pickers``).
"""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.widgets import DateRangeWidget as _FilterDateRangeWidget
from django_filters.widgets import SuffixedMultiWidget

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"
SEARCH_SELECT_CLASS = "search-select"


class DateInput(forms.DateInput):
    """``<input type="date">`` whose value is always ``YYYY-MM-DD``."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        attrs = {k: v for k, v in (attrs or {}).items() if k != "type"}
        super().__init__(attrs=attrs or None, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` whose value is always ``YYYY-MM-DDTHH:MM``."""

    input_type = "datetime-local"

    def __init__(self, attrs=None, format=None):
        attrs = {k: v for k, v in (attrs or {}).items() if k != "type"}
        super().__init__(attrs=attrs or None, format=ISO_DATETIME)


class DateRangeWidget(_FilterDateRangeWidget):
    """django-filter's from/to pair (``<name>_after``/``<name>_before``) with ISO pickers."""

    def __init__(self, attrs=None):
        attrs = {k: v for k, v in (attrs or {}).items() if k != "type"}
        widgets = (DateInput(attrs), DateInput(attrs))
        # RangeWidget.__init__ would put plain text inputs in: call its parent's directly.
        SuffixedMultiWidget.__init__(self, widgets, attrs)


class SearchSelect(forms.Select):
    """A ``<select>`` holding only the selected option, searched on the server as one types.

    ``url_name``: the search endpoint's URL name, reversed at render time (a URL name is not an
    import, so a lower app may point at a higher app's endpoint). ``params``: fixed query
    parameters (``{"kind": "company"}``). ``forward``: names of other fields of the same form
    whose current value is sent along (``{"company": "company"}`` sends the value of the
    ``company`` field as ``company``). ``queryset``: where to look the selected label up when
    the field is not a ``ModelChoiceField`` (an ``IntegerField`` holding a pk).
    """

    def __init__(
        self,
        url_name: str,
        *,
        params: dict | None = None,
        forward: dict | None = None,
        queryset=None,
        attrs: dict | None = None,
    ):
        super().__init__(attrs=attrs)
        self.url_name = url_name
        self.params = params or {}
        self.forward = forward or {}
        self.queryset = queryset

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.params = dict(self.params)
        obj.forward = dict(self.forward)
        return obj

    # -- rendering --------------------------------------------------------------------------

    def search_url(self) -> str:
        url = reverse(self.url_name)
        return f"{url}?{urlencode(self.params)}" if self.params else url

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        classes = attrs.get("class", "")
        if SEARCH_SELECT_CLASS not in classes.split():
            attrs["class"] = f"{classes} {SEARCH_SELECT_CLASS}".strip()
        attrs["data-search-url"] = self.search_url()
        if self.forward:
            attrs["data-search-forward"] = ",".join(f"{k}:{v}" for k, v in self.forward.items())
        attrs.setdefault("data-placeholder", _("Type to search…"))
        attrs["data-no-results"] = _("No results")
        attrs["data-loading"] = _("Searching…")
        attrs["autocomplete"] = "off"
        return attrs

    def use_required_attribute(self, initial):
        # Select's own check takes the first choice, i.e. may read the queryset; the first
        # option rendered here is always the empty one for a single select.
        return forms.Widget.use_required_attribute(self, initial) and not self.is_hidden

    def optgroups(self, name, value, attrs=None):
        """Only the empty option (single select) and the selected rows: never the queryset."""
        values = [str(v) for v in value if v not in (None, "")]
        options = []
        if not self.allow_multiple_selected:
            options.append(self.create_option(name, "", self._empty_label(), not values, 0))
        for index, (option_value, label) in enumerate(self.selected_choices(values), start=1):
            options.append(self.create_option(name, option_value, label, True, index))
        return [(None, options, 0)]

    def _empty_label(self) -> str:
        field = getattr(self.choices, "field", None)
        label = getattr(field, "empty_label", None)
        return "" if label is None or label == "---------" else str(label)

    def selected_choices(self, values: list[str]) -> list[tuple[object, str]]:
        """(value, label) of each selected pk, in one query; unknown or bad pks are dropped."""
        if not values:
            return []
        choices = self.choices
        if isinstance(choices, ModelChoiceIterator):
            queryset, to_choice = choices.queryset, choices.choice
        elif self.queryset is not None:
            queryset, to_choice = self.queryset, lambda obj: (obj.pk, str(obj))
        else:  # a plain list of choices: it is small, filter it
            return [(v, label) for v, label in choices if str(v) in values]
        key = getattr(getattr(choices, "field", None), "to_field_name", None) or "pk"
        try:
            rows = list(queryset.filter(**{f"{key}__in": values}))
        except (ValueError, TypeError, ValidationError):
            return []
        by_key = {str(getattr(row, key)): row for row in rows}
        return [to_choice(by_key[v]) for v in values if v in by_key]


class SearchSelectMultiple(SearchSelect, forms.SelectMultiple):
    """``SearchSelect`` for a ``ModelMultipleChoiceField``: the chosen rows, removable."""

    allow_multiple_selected = True


def bootstrap_classes_add(form: forms.Form) -> None:
    """Give each widget the Bootstrap 5 class crispy-bootstrap5's field template would add
    (``form-select``, ``form-check-input``, ``form-control``), for forms rendered without
    crispy (``templates/partials/filter_form.html``). A MultiWidget passes its attributes on
    to its parts."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])
