"""Filter forms of the statistics pages and reports (GET, input parsing only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.widgets import DateInput
from opportunities.models import (
    ActionTaken,
    Opportunity,
    Priority,
    SalesCycle,
    TaskStatus,
    TaskType,
)
from setup.models import ContactType, Salesperson

from .analysis import (
    DIMENSIONS,
    OPPORTUNITY_DIMENSIONS,
    OPPORTUNITY_MEASURES,
    PERIODS,
    TASK_DIMENSIONS,
)
from .labels import LABEL_FORMATS


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
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())


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


class ContactSummaryReportForm(DateRangeForm):
    """Company and person summaries: which contacts, and the interactions' date range."""

    search = forms.CharField(label=_("Search name"), required=False)
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code"), required=False
    )


def _label_format_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Label format"),
        required=False,
        choices=[(code, f.label) for code, f in LABEL_FORMATS.items()],
    )


class ContactLabelForm(_GetForm):
    label_format = _label_format_field()
    search = forms.CharField(label=_("Search name"), required=False)
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("(all)")), *ContactType.choices]
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code"), required=False
    )


class SegmentLabelForm(_GetForm):
    label_format = _label_format_field()


class OpportunityDetailsForm(_GetForm):
    search = forms.CharField(label=_("Opportunity no. or description"), required=False)
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code"), required=False
    )
    open_only = forms.BooleanField(label=_("Open only"), required=False)
    opportunity = forms.ModelChoiceField(
        queryset=Opportunity.objects.all(), required=False, widget=forms.HiddenInput
    )


class SegmentStatisticsForm(DateRangeForm):
    search = forms.CharField(label=_("Segment no. or description"), required=False)
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.order_by("code"), required=False
    )


class _AnalysisForm(DateRangeForm):
    period = forms.ChoiceField(label=_("Period"), required=False, choices=list(PERIODS.items()))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(_("The starting date is after the ending date."))
        return data


class OpportunityAnalysisForm(_AnalysisForm):
    rows = forms.ChoiceField(
        label=_("Rows"),
        required=False,
        choices=[(d, DIMENSIONS[d][2]) for d in OPPORTUNITY_DIMENSIONS],
    )
    measure = forms.ChoiceField(
        label=_("Show"), required=False, choices=list(OPPORTUNITY_MEASURES.items())
    )
    action_taken = forms.ChoiceField(
        label=_("Action taken"),
        required=False,
        choices=[
            ("", _("(all)")),
            ("none", _("(none)")),
            *[(v, label) for v, label in ActionTaken.choices if v],
        ],
    )
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"), queryset=SalesCycle.objects.order_by("code"), required=False
    )
    stage = forms.IntegerField(label=_("Stage"), required=False, min_value=1)
    probability_from = forms.DecimalField(
        label=_("Min. probability %"), required=False, min_value=0, max_value=100
    )
    probability_to = forms.DecimalField(
        label=_("Max. probability %"), required=False, min_value=0, max_value=100
    )


class TaskAnalysisForm(_AnalysisForm):
    rows = forms.ChoiceField(
        label=_("Rows"), required=False, choices=[(d, DIMENSIONS[d][2]) for d in TASK_DIMENSIONS]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("(all)")), *TaskStatus.choices]
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("(all)")), *Priority.choices]
    )
    closed = forms.ChoiceField(
        label=_("Closed"),
        required=False,
        choices=[("", _("(all)")), ("yes", _("Yes")), ("no", _("No"))],
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[
            ("", _("(all)")),
            *[(v or "task", label) for v, label in TaskType.choices],
        ],
    )
