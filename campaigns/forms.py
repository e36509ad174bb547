"""Input parsing for the campaign pages (rules live in services.py)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.concurrency import VersionFormMixin
from crm.widgets import DateInput
from setup.models import Currency, Salesperson

from .models import Campaign, CampaignPriceLine, CampaignStatus


class CampaignForm(VersionFormMixin, forms.ModelForm):
    """Create and edit; the edit carries the version token (crm.concurrency)."""

    number = forms.CharField(
        label=_("No."),
        max_length=20,
        required=False,
        help_text=_("Leave empty to take the next number of the campaign series."),
    )

    class Meta:
        model = Campaign
        fields = ["description", "status", "starting_date", "ending_date", "salesperson"]
        widgets = {"starting_date": DateInput(), "ending_date": DateInput()}

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].queryset = CampaignStatus.objects.order_by("code")
        self.fields["salesperson"].queryset = Salesperson.objects.order_by("code")
        if creating:
            self.order_fields(["number", *self.Meta.fields])
        else:
            del self.fields["number"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))


class CampaignPriceLineForm(VersionFormMixin, forms.ModelForm):
    class Meta:
        model = CampaignPriceLine
        fields = [
            "item_code",
            "description",
            "unit_of_measure",
            "currency",
            "minimum_quantity",
            "unit_price",
            "line_discount_percent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].queryset = Currency.objects.order_by("code")
        self.fields["minimum_quantity"].required = False
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))


class ConfirmForm(forms.Form):
    """A confirmation step (SPEC 0.1 "asks")."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput, initial=True)


class PriceLookupForm(forms.Form):
    customer_number = forms.CharField(label=_("Customer no."), max_length=20, required=False)
    contact_number = forms.CharField(label=_("Contact no."), max_length=20, required=False)
    item_code = forms.CharField(label=_("Item no."), max_length=20)
    on_date = forms.DateField(label=_("Date"), widget=DateInput())
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, initial=1)
    currency = forms.ModelChoiceField(
        label=_("Currency"),
        queryset=Currency.objects.order_by("code"),
        required=False,
        empty_label=_("Base currency"),
    )
    unit_of_measure = forms.CharField(label=_("Unit of measure"), max_length=10, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.add_input(Submit("lookup", _("Look up")))

    def clean(self):
        data = super().clean()
        if bool(data.get("customer_number")) == bool(data.get("contact_number")):
            raise forms.ValidationError(_("Enter either a customer no. or a contact no."))
        return data


class CampaignFilterForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.form_class = "row row-cols-md-auto g-2 align-items-end"
        self.helper.attrs = {
            "hx-get": "",
            "hx-target": "#results",
            "hx-swap": "outerHTML",
            "hx-push-url": "true",
            "hx-trigger": "input delay:300ms, submit",
        }
        self.helper.add_input(Submit("filter", _("Filter")))


class StatisticsPeriodForm(forms.Form):
    """10.1: optional date range of the statistics (interactions by ``date``)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control form-control-sm"
