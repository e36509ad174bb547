"""Input parsing of the opportunity and task pages; the services apply the rules."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class OpportunityUpdateForm(forms.Form):
    """The update wizard (OPP-15/16): the actions offered are set by the view."""

    action = forms.ChoiceField(label=_("Action"), choices=ACTION_CHOICES)
    to_stage = forms.IntegerField(label=_("Stage"), required=False)
    date_of_change = forms.DateField(label=_("Date of change"), widget=DateInput)
    estimated_value = forms.DecimalField(label=_("Estimated value"), min_value=0)
    chances_percent = forms.DecimalField(
        label=_("Chances of success %"), required=False, initial=0, min_value=0, max_value=100
    )
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"), required=False, widget=DateInput
    )
    cancel_old_tasks = forms.BooleanField(label=_("Cancel old tasks"), required=False)

    def __init__(self, *args, offered=None, **kwargs):
        super().__init__(*args, **kwargs)
        if offered is not None:
            self.fields["action"].choices = [c for c in ACTION_CHOICES if c[0] in offered]
        self.helper = _helper(_("Finish"))


class OpportunityCloseForm(forms.Form):
    close_type = forms.ChoiceField(label=_("Won or lost"), choices=CloseType.choices)
    close_code = forms.ModelChoiceField(
        label=_("Close opportunity code"), queryset=CloseOpportunityCode.objects.all()
    )
    date_of_change = forms.DateField(label=_("Date of change"), widget=DateInput)
    calculated_current_value = forms.DecimalField(
        label=_("Calculated current value"), required=False, initial=0
    )
    cancel_old_tasks = forms.BooleanField(label=_("Cancel old tasks"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Finish"))


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
