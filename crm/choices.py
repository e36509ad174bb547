"""Choices of small code tables read from the cache (``crm.caching``, namespace "choices").

Every ``<select>`` of a code table (country, language, salesperson …) ran its query and built
one model instance per row on each rendering of a form; the contact form has nine of them
(about a fifth of its CPU). ``cached_choices`` keeps the (key, label) pairs in the shared cache
until a row of the table changes. The contact list's filters read them
(``contacts.filters.CachedChoiceIterator``); ``use_cached_code_choices`` switches a form's
code-table fields to them. Validation of a posted value in a form still reads the row
(``ModelChoiceField``).
"""

import hashlib

from django import forms
from django.utils.translation import get_language

from crm import caching

CHOICES_NAMESPACE = "choices"


def cached_choices(field: forms.ModelChoiceField) -> tuple[tuple[str, str], ...]:
    """``field``'s (primary key, label) pairs, from the cache when its table has not changed."""
    queryset = field.queryset
    model = queryset.model
    caching.invalidate_on_change(CHOICES_NAMESPACE, model)
    query = queryset.query  # code-table querysets differ in their order and filter
    key = (
        f"{model._meta.label_lower}:{get_language()}:{query.order_by}:{query.where}:"
        f"{type(field).__module__}.{type(field).__qualname__}"
    )
    return caching.cached(
        CHOICES_NAMESPACE,
        hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(),
        lambda: tuple((str(obj.pk), field.label_from_instance(obj)) for obj in queryset.all()),
        process=True,  # a tuple of (str, str) pairs: no reader can change it
    )


class CachedModelChoiceIterator(forms.models.ModelChoiceIterator):
    """Yields the empty label, then ``cached_choices`` of the field."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from cached_choices(self.field)

    def __len__(self):
        return len(cached_choices(self.field)) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(cached_choices(self.field))


def use_cached_code_choices(form: forms.BaseForm) -> None:
    """Render ``form``'s single-choice fields over code tables from ``cached_choices``."""
    tables = set(caching.code_tables())
    for field in form.fields.values():
        if (
            type(field) is forms.ModelChoiceField
            and field.queryset.model in tables
            and not isinstance(field.widget, forms.HiddenInput)
        ):
            field.iterator = CachedModelChoiceIterator
            field.widget.choices = field.choices
