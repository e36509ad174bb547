"""Input parsing of the opportunity and task pages; the services apply the rules."""

import contextlib

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact
from crm.concurrency import VersionFormMixin
from crm.widgets import DateInput, SearchSelect
from setup.models import Salesperson, Team

from .models import (
    Activity,
    CloseOpportunityCode,
    CloseType,
    Opportunity,
    Priority,
    RecurringFrom,
    SalesCycle,
    Task,
    TaskStatus,
    TaskType,
)
from .selectors import opportunity_campaign_choices, opportunity_segment_choices

ACTION_CHOICES = [
    ("first", _("First stage")),
    ("next", _("Next stage")),
    ("previous", _("Previous stage")),
    ("skip", _("Skip stages")),
    ("jump", _("Jump back")),
    ("update", _("Update estimates")),
]
INVITATION_CHOICES = [
    ("all", _("Send to all attendees marked 'send invitation'")),
    ("not_invited", _("Send only to those not invited yet")),
    ("none", _("Do not send")),
]


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class TimeInput(forms.TimeInput):
    input_type = "time"


class OpportunityCreateForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=100)
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.all(),
        widget=SearchSelect("contacts:contact-search"),
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.filter(is_blocked=False),
        required=False,
    )
    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"),
        queryset=SalesCycle.objects.filter(is_blocked=False),
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    creation_date = forms.DateField(label=_("Creation date"), required=False, widget=DateInput)
    activate_first_stage = forms.BooleanField(label=_("Activate first stage"), required=False)
    estimated_value = forms.DecimalField(label=_("Estimated value"), required=False, initial=0)
    chances_percent = forms.DecimalField(label=_("Chances of success %"), required=False, initial=0)
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"), required=False, widget=DateInput
    )

    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=None, required=False, to_field_name="number"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        on_date = timezone.localdate()
        if self.is_bound:  # the campaign must cover the creation date typed (OPP-5)
            typed = self.fields["creation_date"].widget.value_from_datadict(
                self.data, self.files, self.add_prefix("creation_date")
            )
            with contextlib.suppress(forms.ValidationError):
                on_date = self.fields["creation_date"].clean(typed) or on_date
        self.fields["campaign"].queryset = opportunity_campaign_choices(on_date=on_date)
        self.fields["segment"].queryset = opportunity_segment_choices()
        self.helper = _helper(_("Create"))


class OpportunityEditForm(VersionFormMixin, forms.Form):
    description = forms.CharField(label=_("Description"), max_length=100)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.filter(is_blocked=False)
    )
    reassign_tasks = forms.BooleanField(
        label=_("Move the open tasks of the previous salesperson"), required=False
    )
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=None, required=False)
    move_campaign_tasks = forms.BooleanField(
        label=_("Move the open tasks of the previous campaign to the new one"), required=False
    )
    segment = forms.ModelChoiceField(
        label=_("Segment"), queryset=None, required=False, to_field_name="number"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        opportunity = kwargs.get("version_instance")
        self.fields["campaign"].queryset = opportunity_campaign_choices(
            on_date=opportunity.creation_date if opportunity else timezone.localdate(),
            keep_id=opportunity.campaign_id if opportunity else None,
        )
        self.fields["segment"].queryset = opportunity_segment_choices()
        self.helper = _helper(_("Save"))


class OpportunityUpdateForm(forms.Form):
    """The update wizard (OPP-15/16): the actions offered are set by the view."""

    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES)
    to_stage = forms.TypedChoiceField(
        label=_("Stage"), coerce=int, empty_value=None, required=False, choices=[]
    )
    date_of_change = forms.DateField(label=_("Date of change"), widget=DateInput)
    estimated_value = forms.DecimalField(label=_("Estimated value"), min_value=0)
    chances_percent = forms.DecimalField(
        label=_("Chances of success %"), required=False, initial=0, min_value=0, max_value=100
    )
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"), required=False, widget=DateInput
    )
    cancel_old_tasks = forms.BooleanField(label=_("Cancel old tasks"), required=False)

    def __init__(self, *args, offered=None, stages=None, preview_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if offered is not None:
            self.fields["action"].choices = [c for c in ACTION_CHOICES if c[0] in offered]
        self.fields["to_stage"].choices = [("", _("The only stage offered")), *(stages or [])]
        self.helper = _helper(_("Finish"))
        if preview_url:  # what will change, recomputed as the user types (htmx)
            self.helper.attrs = {
                "hx-get": preview_url,
                "hx-trigger": "change, input delay:400ms",
                "hx-target": "#update-preview",
                "hx-swap": "innerHTML",
            }


class OpportunityCloseForm(forms.Form):
    """The close wizard (OPP-18). Only the close codes of the chosen type are offered: the
    type select re-fetches the code field through htmx (``refresh_url``)."""

    close_type = forms.ChoiceField(label=_("Won or lost"), choices=CloseType.choices)
    close_code = forms.ModelChoiceField(
        label=_("Close opportunity code"), queryset=CloseOpportunityCode.objects.all()
    )
    date_of_change = forms.DateField(label=_("Date of change"), widget=DateInput)
    calculated_current_value = forms.DecimalField(
        label=_("Calculated current value"), required=False, initial=0
    )
    cancel_old_tasks = forms.BooleanField(label=_("Cancel old tasks"), required=False)

    def __init__(self, *args, refresh_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        close_type = self.data.get("close_type") if self.is_bound else None
        close_type = close_type or self.initial.get("close_type") or CloseType.WON
        if close_type in CloseType.values:
            self.fields["close_code"].queryset = CloseOpportunityCode.objects.filter(
                type=close_type
            ).order_by("code")
        if refresh_url:
            self.fields["close_type"].widget.attrs.update(
                {
                    "hx-get": refresh_url,
                    "hx-include": "closest form",
                    "hx-target": "#div_id_close_code",
                    "hx-select": "#div_id_close_code",
                    "hx-swap": "outerHTML",
                    "hx-trigger": "change",
                }
            )
        self.helper = _helper(_("Finish"))


class SalesQuoteForm(VersionFormMixin, forms.Form):
    """The header of an open quote; its lines come in ``SalesQuoteLineFormSet``."""

    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    quote_date = forms.DateField(label=_("Quote date"), widget=DateInput)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput)
    requested_delivery_date = forms.DateField(
        label=_("Requested delivery date"), required=False, widget=DateInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class SalesQuoteLineForm(forms.Form):
    description = forms.CharField(
        label=_("Description"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        min_value=0,
        max_digits=18,
        decimal_places=5,
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm text-end", "data-quantity": ""}
        ),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=0,
        max_digits=18,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm text-end", "data-unit-price": ""}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-label", str(field.label or name))

    def clean(self):
        data = super().clean()
        filled = data.get("quantity") is not None or data.get("unit_price") is not None
        if filled and not (data.get("description") or "").strip():
            self.add_error("description", _("Enter a description for this line."))
        if (data.get("description") or "").strip() and data.get("quantity") is None:
            self.add_error("quantity", _("Enter a quantity for this line."))
        if (data.get("description") or "").strip() and data.get("unit_price") is None:
            self.add_error("unit_price", _("Enter a unit price for this line."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("description") or "").strip()


SalesQuoteLineFormSet = forms.formset_factory(
    SalesQuoteLineForm, extra=2, can_delete=True, max_num=500, validate_max=True
)


class PipelineMoveForm(forms.Form):
    opportunity = forms.IntegerField()
    to_stage = forms.IntegerField()


class TaskForm(VersionFormMixin, forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=TaskType.choices, required=False)
    description = forms.CharField(label=_("Description"), max_length=100)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput)
    start_time = forms.TimeField(label=_("Start time"), required=False, widget=TimeInput)
    duration_min = forms.IntegerField(label=_("Duration (min)"), required=False, min_value=0)
    is_all_day = forms.BooleanField(label=_("All day event"), required=False)
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.filter(is_blocked=False),
        required=False,
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    team_meeting_organizer = forms.ModelChoiceField(
        label=_("Team meeting organizer"),
        queryset=Salesperson.objects.filter(is_blocked=False),
        required=False,
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.all(),
        required=False,
        widget=SearchSelect("contacts:contact-search"),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL
    )
    location = forms.CharField(label=_("Location"), max_length=100, required=False)
    is_recurring = forms.BooleanField(label=_("Recurring"), required=False)
    recurring_interval = forms.CharField(
        label=_("Recurring date interval"), max_length=30, required=False
    )
    recurring_from = forms.ChoiceField(
        label=_("Calc. due date from"), choices=RecurringFrom.choices, required=False
    )

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["team_meeting_organizer"]
            self.fields["status"] = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)
            self.fields["completed_by"] = forms.ModelChoiceField(
                label=_("Completed by"), queryset=Salesperson.objects.all(), required=False
            )
        else:
            # INT-19 / TSK-17: a new task may come from an interaction or an opportunity. The
            # campaign field comes from the string foreign key (campaigns stand higher).
            self.fields["campaign"] = Task._meta.get_field("campaign").formfield(
                required=False, widget=SearchSelect("campaigns:campaign-search")
            )
            self.fields["opportunity"] = forms.ModelChoiceField(
                queryset=Opportunity.objects.all(), required=False, widget=forms.HiddenInput
            )
        self.helper = _helper(_("Save"))


class TaskCloseForm(forms.Form):
    completed_by = forms.ModelChoiceField(
        label=_("Completed by"), queryset=Salesperson.objects.all(), required=False
    )


class AttendeeForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.all(),
        required=False,
        widget=SearchSelect("contacts:contact-search"),
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), queryset=Salesperson.objects.all(), required=False
    )
    attendance = forms.ChoiceField(
        label=_("Attendance type"),
        choices=[("required", _("Required")), ("optional", _("Optional"))],
    )
    send_invitation = forms.BooleanField(label=_("Send invitation"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Add attendee"))


class InvitationForm(forms.Form):
    mode = forms.ChoiceField(label=_("Invitations"), choices=INVITATION_CHOICES)
    confirm_resend = forms.BooleanField(label=_("Send again to those invited"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send"))


class ActivityAssignForm(forms.Form):
    activity = forms.ModelChoiceField(label=_("Activity"), queryset=Activity.objects.all())
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.all(),
        required=False,
        widget=SearchSelect("contacts:contact-search"),
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"),
        queryset=Salesperson.objects.filter(is_blocked=False),
        required=False,
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    team_meeting_organizer = forms.ModelChoiceField(
        label=_("Team meeting organizer"),
        queryset=Salesperson.objects.filter(is_blocked=False),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Assign"))
