"""Filter forms of the statistics pages and reports (GET, input parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from opportunities.models import SalesCycle
from setup.models import ContactType, Salesperson


class _GetForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            if isinstance(field, forms.ChoiceField):
                css = "form-select"
            field.widget.attrs.setdefault("class", css + " form-control-sm")

    def filters(self) -> dict:
        return self.cleaned_data if self.is_valid() else {}


class DateRangeForm(_GetForm):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ContactListReportForm(_GetForm):
    search = forms.CharField(label=_("Search name"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("(all)")), *ContactType.choices]
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code"), required=False
    )


class TaskReportForm(DateRangeForm):
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code"), required=False
    )
    open_only = forms.BooleanField(label=_("Open only"), required=False)


class OpportunityReportForm(TaskReportForm):
    pass


class SalesCycleReportForm(_GetForm):
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"), queryset=SalesCycle.objects.order_by("code"), required=False
    )
