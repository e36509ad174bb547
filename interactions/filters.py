import django_filters
import django_filters.fields
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from contacts.filters import CodeChoiceFilter, FastSelect
from contacts.models import Contact
from crm.widgets import DateRangeWidget, SearchSelect, bootstrap_classes_add
from setup.models import Salesperson

from .models import Evaluation, InteractionGroup, InteractionLogEntry, InteractionTemplate


class InteractionLogEntryFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_class = "row g-2 align-items-end mb-3"
        self.helper.attrs = {
            "hx-get": "",
            "hx-target": "#results",
            "hx-swap": "outerHTML",
            "hx-push-url": "true",
            "hx-trigger": "input delay:300ms, submit",
        }
        self.helper.layout = Layout(
            *[Div(Field(name), css_class="col-6 col-md-3 col-xl-2") for name in self.fields]
        )
        # The log renders this form with partials/filter_form.html (one loop, no crispy).
        bootstrap_classes_add(self)


class ListedModelChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The options of a small code table read with one plain SELECT.

    Django's iterator reads them through ``QuerySet.iterator()``, which on PostgreSQL is a
    server-side cursor: DECLARE, FETCH and CLOSE, three round trips per ``<select>``, four
    selects per log page.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListedModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedModelChoiceIterator


class ListedChoiceFilter(django_filters.ModelChoiceFilter):
    """``ModelChoiceFilter`` over a small table that is not a cached code table (templates,
    campaigns: written by their own pages), read with one plain SELECT and rendered by
    ``FastSelect`` (the options joined in Python, not a template per option)."""

    field_class = ListedModelChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


def _campaigns(request):
    """The campaigns to choose from (``campaigns`` stands higher: no import, SPEC 2)."""
    return apps.get_model("campaigns", "Campaign").objects.only("number", "description")


class InteractionLogEntryFilterSet(django_filters.FilterSet):
    contact = django_filters.ModelChoiceFilter(
        queryset=Contact.objects.all(),
        label=_("Contact"),
        widget=SearchSelect("contacts:contact-search"),
    )
    company = django_filters.ModelChoiceFilter(
        field_name="contact_company",
        queryset=Contact.objects.all(),
        label=_("Company (with its persons)"),
        widget=SearchSelect("contacts:contact-search", params={"kind": "company"}),
    )
    # Salespeople and groups are cached code tables (crm.caching, bumped on every write):
    # the log page reads neither table.
    salesperson = CodeChoiceFilter(queryset=Salesperson.objects.all(), label=_("Salesperson"))
    template = ListedChoiceFilter(queryset=InteractionTemplate.objects.all(), label=_("Template"))
    group = CodeChoiceFilter(queryset=InteractionGroup.objects.all(), label=_("Group"))
    date = django_filters.DateFromToRangeFilter(
        label=_("Date"),
        widget=DateRangeWidget(),
    )
    canceled = django_filters.BooleanFilter(field_name="is_canceled", label=_("Canceled"))
    evaluation = django_filters.ChoiceFilter(choices=Evaluation.choices[1:], label=_("Evaluation"))
    campaign = ListedChoiceFilter(queryset=_campaigns, label=_("Campaign"))

    class Meta:
        model = InteractionLogEntry
        fields: list[str] = []
        form = InteractionLogEntryFilterForm
