"""Query meaning of the list pages' GET parameters."""

import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from crm.extensions import ExtensibleFilterSetMixin
from crm.widgets import DateInput, bootstrap_classes_add
from setup.models import Salesperson, Team

from .models import (
    Opportunity,
    OpportunityEntry,
    OpportunityStatus,
    Priority,
    SalesCycle,
    Task,
    TaskStatus,
    TaskType,
)


class _OptionsIterator(django_filters.fields.ModelChoiceIterator):
    """A select's options in one plain SELECT: Django's ``iterator()`` would open a
    server-side cursor (DECLARE, FETCH, CLOSE: three round trips) for a handful of rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class _OptionsField(django_filters.fields.ModelChoiceField):
    iterator = _OptionsIterator


class _ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _OptionsField


class _FilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_class = "row row-cols-lg-auto g-2 align-items-end mb-3"
        self.helper.attrs = {
            "hx-get": "",
            "hx-target": "#results",
            "hx-swap": "outerHTML",
            "hx-push-url": "true",
            "hx-trigger": "input delay:300ms, submit",
        }
        self.helper.add_input(Submit("filter", _("Filter")))
        # The lists render this form with partials/filter_form.html (one loop, no crispy).
        bootstrap_classes_add(self)


class OpportunityFilterSet(ExtensibleFilterSetMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", widget=forms.TextInput(attrs={"type": "search"})
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OpportunityStatus.choices)
    salesperson = _ModelChoiceFilter(label=_("Salesperson"), queryset=Salesperson.objects.all())
    sales_cycle = _ModelChoiceFilter(label=_("Sales cycle"), queryset=SalesCycle.objects.all())
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices)
    stage = django_filters.NumberFilter(label=_("Stage"), method="at_stage")

    class Meta:
        model = Opportunity
        fields = ["q", "status", "salesperson", "sales_cycle", "priority", "stage"]
        form = _FilterForm

    def at_stage(self, queryset, name, value):
        return queryset.filter(
            Exists(
                OpportunityEntry.objects.filter(
                    opportunity=OuterRef("pk"), is_active=True, stage=value
                )
            )
        )

    def search(self, queryset, name, value):
        return queryset.filter(number__istartswith=value) | queryset.filter(
            description__icontains=value
        )


class TaskFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TaskStatus.choices)
    type = django_filters.ChoiceFilter(label=_("Type"), choices=TaskType.choices)
    salesperson = _ModelChoiceFilter(label=_("Salesperson"), queryset=Salesperson.objects.all())
    team = _ModelChoiceFilter(label=_("Team"), queryset=Team.objects.all())
    is_closed = django_filters.BooleanFilter(label=_("Closed"))
    priority = django_filters.ChoiceFilter(label=_("Priority"), choices=Priority.choices)
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="date",
        lookup_expr="gte",
        widget=DateInput(),
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
        field_name="date",
        lookup_expr="lte",
        widget=DateInput(),
    )

    class Meta:
        model = Task
        fields = ["status", "type", "salesperson", "team", "is_closed", "priority"]
        form = _FilterForm
