"""The product's one date and date-time widget: native pickers fed with ISO values.

A browser's ``<input type="date">`` only accepts ``YYYY-MM-DD`` (``datetime-local``:
``YYYY-MM-DDTHH:MM``) in its ``value`` and shows it in the user's own locale; Django's
``DateInput`` renders the active language's first input format instead (``07/12/2026`` in
French), which the browser silently discards, so the field comes up empty and the next save
loses the date. These widgets always render ISO, whatever the language; every date and
date-time form or filter field of the product uses them (``tests/crm/test_date_widgets.py``
walks every form and filter class to make sure). Parsing needs nothing special: Django adds
the ISO formats to every language's ``DATE_INPUT_FORMATS``/``DATETIME_INPUT_FORMATS``.
"""

from django import forms
from django_filters.widgets import DateRangeWidget as _FilterDateRangeWidget
from django_filters.widgets import SuffixedMultiWidget

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%dT%H:%M"


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
