"""Query meaning of the contact list's GET parameters (no permission scoping here)."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.choices import cached_choices
from crm.extensions import ExtensibleFilterSetMixin
from crm.widgets import DateInput
from setup.models import (
    BusinessRelation,
    ContactType,
    Country,
    IndustryGroup,
    MailingGroup,
    Salesperson,
    Territory,
)

from .forms import ContactFilterForm
from .models import Contact, ContactBusinessRelation, ContactIndustryGroup, ContactMailingGroup
from .selectors import contact_search, keyset_seek


class CachedChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """Choices of a small code table from the cache (``crm.choices.cached_choices``), after
    the filter's "none" and empty labels."""

    def __iter__(self):
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.cached()

    def cached(self) -> tuple[tuple[str, str], ...]:
        return cached_choices(self.field)


class CodeChoiceField(django_filters.fields.ModelChoiceField):
    """Validates the chosen key against the cached choices and cleans to the primary key
    (``filter(country=pk)`` needs no row), so a filtered list page reads no code table."""

    iterator = CachedChoiceIterator

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value)
        if value not in {key for key, _label in self.iterator(self).cached()}:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return int(value)

    def validate(self, value):
        return forms.Field.validate(self, value)

    def has_changed(self, initial, data):
        return str(initial or "") != str(data or "")


class FastSelect(forms.Select):
    """A ``<select>`` whose options are joined in Python: the list renders its filter form on
    every keystroke, and a template per option cost more than the page's SQL."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        selected = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(v), " selected" if str(v) in selected else "", label)
                for v, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class CodeChoiceFilter(django_filters.ModelChoiceFilter):
    """A code-table filter rendered by ``FastSelect`` from the cached choices."""

    field_class = CodeChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


def _descending(label):
    """django-filter formats "%s (descending)" once, at import time (in English): format it
    lazily, in the language of the request (django-filter's catalogue translates it)."""
    return lazy(lambda: gettext("%s (descending)") % label, str)()


def _sort_labels(labels: dict) -> dict:
    """Sort choice labels keyed as OrderingFilter reads them: the field for ascending, the
    ``-param`` for descending."""
    out = {}
    for (field, param), label in labels.items():
        out[field] = label
        out[f"-{param}"] = _descending(label)
    return out


class ContactOrderingFilter(django_filters.OrderingFilter):
    """Sortable columns (indexed); ``id`` ends every ordering for stable pages."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            return qs.order_by(*qs.query.order_by, "id")
        return qs


class ContactFilterSet(ExtensibleFilterSetMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    type = django_filters.ChoiceFilter(
        label=_("Type"), choices=ContactType.choices, widget=FastSelect
    )
    company = django_filters.CharFilter(label=_("Company"), method="filter_company")
    salesperson = CodeChoiceFilter(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code")
    )
    territory = CodeChoiceFilter(label=_("Territory"), queryset=Territory.objects.order_by("code"))
    country = CodeChoiceFilter(label=_("Country/region"), queryset=Country.objects.order_by("code"))
    city = django_filters.CharFilter(label=_("City"), lookup_expr="istartswith")
    post_code = django_filters.CharFilter(label=_("Post code"), lookup_expr="startswith")
    industry_group = CodeChoiceFilter(
        label=_("Industry group"),
        queryset=IndustryGroup.objects.order_by("code"),
        method="filter_industry_group",
    )
    mailing_group = CodeChoiceFilter(
        label=_("Mailing group"),
        queryset=MailingGroup.objects.order_by("code"),
        method="filter_mailing_group",
    )
    business_relation = CodeChoiceFilter(
        label=_("Business relation"),
        queryset=BusinessRelation.objects.order_by("code"),
        method="filter_business_relation",
    )
    is_privacy_blocked = django_filters.BooleanFilter(label=_("Privacy blocked"))
    modified_since = django_filters.DateFilter(
        label=_("Modified since"), method="filter_modified_since", widget=DateInput()
    )
    o = ContactOrderingFilter(
        label=_("Sort"),
        fields=[
            ("number", "number"),
            ("search_name", "name"),
            ("company_name", "company_name"),
            ("city", "city"),
            ("post_code", "post_code"),
            ("last_modified_at", "last_modified_at"),
        ],
        field_labels=_sort_labels(
            {
                ("number", "number"): _("No."),
                ("search_name", "name"): _("Name"),
                ("company_name", "company_name"): _("Company name"),
                ("city", "city"): _("City"),
                ("post_code", "post_code"): _("Post code"),
                ("last_modified_at", "last_modified_at"): _("Last date modified"),
            }
        ),
    )

    after = django_filters.CharFilter(
        label=_("After"), method="filter_after", widget=forms.HiddenInput
    )

    class Meta:
        model = Contact
        form = ContactFilterForm
        fields = []

    def filter_after(self, queryset, name, value):
        """Keyset page: the rows after ``<sort value>,<id>`` in the list's current order."""
        sort = (self.form.cleaned_data.get("o") or [""])[0] or ""
        descending = sort.startswith("-")
        field = self.filters["o"].param_map.get(sort.lstrip("-"))
        if field is None:
            field, descending = "search_name", False  # Contact.Meta.ordering
        return keyset_seek(queryset, field=field, descending=descending, after=value)

    @property
    def form(self):
        """The crispy form, with Bootstrap classes on its widgets so the list template can
        render it in one loop (``contacts/contact_filter_form.html``) instead of crispy's
        templates per field."""
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                widget = field.widget
                css = (
                    "form-select form-select-sm"
                    if isinstance(widget, forms.Select)
                    else ("form-control form-control-sm")
                )
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            form._styled = True
        return form

    def filter_search(self, queryset, name, value):
        return contact_search(queryset, value)

    def filter_company(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(company__number__iexact=value) | Q(company_name__istartswith=value)
        )

    def filter_industry_group(self, queryset, name, value):
        # CON-40: a person shows its company's groups, so it matches on them too.
        rows = ContactIndustryGroup.objects.filter(industry_group=value)
        return queryset.filter(
            Exists(rows.filter(contact=OuterRef("pk")))
            | Exists(rows.filter(contact=OuterRef("company")))
        )

    def filter_mailing_group(self, queryset, name, value):
        rows = ContactMailingGroup.objects.filter(mailing_group=value, contact=OuterRef("pk"))
        return queryset.filter(Exists(rows))

    def filter_business_relation(self, queryset, name, value):
        rows = ContactBusinessRelation.objects.filter(business_relation=value)
        return queryset.filter(
            Exists(rows.filter(contact=OuterRef("pk")))
            | Exists(rows.filter(contact=OuterRef("company")))
        )

    def filter_modified_since(self, queryset, name, value):
        start = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
        return queryset.filter(last_modified_at__gte=start)
