import django_filters
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.widgets import DateRangeWidget, SearchSelect
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
    salesperson = django_filters.ModelChoiceFilter(
        queryset=Salesperson.objects.all(), label=_("Salesperson")
    )
    template = django_filters.ModelChoiceFilter(
        queryset=InteractionTemplate.objects.all(), label=_("Template")
    )
    group = django_filters.ModelChoiceFilter(
        queryset=InteractionGroup.objects.all(), label=_("Group")
    )
    date = django_filters.DateFromToRangeFilter(
        label=_("Date"),
        widget=DateRangeWidget(),
    )
    canceled = django_filters.BooleanFilter(field_name="is_canceled", label=_("Canceled"))
    evaluation = django_filters.ChoiceFilter(choices=Evaluation.choices[1:], label=_("Evaluation"))

    class Meta:
        model = InteractionLogEntry
        fields: list[str] = []
        form = InteractionLogEntryFilterForm
