from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.concurrency import VersionFormMixin
from crm.widgets import DateInput, SearchSelect
from interactions.models import InteractionTemplate
from setup.models import MailingGroup, Salesperson

from .criteria import SALES_HISTORY_FIELDS, SECTIONS, CriteriaError, parse_filter_text
from .models import CriteriaActionKind, LoggedSegment, SavedSegmentCriteria, Segment

FILTER_HELP = _("A|B any of, a..b range, A* pattern, '' blank, <>'' not blank")


class SegmentForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = [
            "description",
            "date",
            "salesperson",
            "template",
            "campaign",
            "is_campaign_target",
            "is_campaign_response",
            "default_subject",
            "correspondence_type",
        ]
        widgets = {"date": DateInput(), "campaign": SearchSelect("campaigns:campaign-search")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = Salesperson.objects.filter(is_blocked=False)
        self.fields["template"].queryset = InteractionTemplate.objects.all()
        self.fields["date"].required = False
        self.helper = FormHelper()
        self.helper.form_tag = False


class SegmentUpdateForm(VersionFormMixin, SegmentForm):
    """SEG-3 header edit; carries the version token (crm.concurrency)."""

    update_lines = forms.BooleanField(label=_("Update the lines?"), required=False)
    apply_template_to_lines = forms.BooleanField(
        label=_("Apply the new template to all lines?"), required=False
    )

    class Meta(SegmentForm.Meta):
        fields = [
            *SegmentForm.Meta.fields,
            "unit_cost",
            "unit_duration_min",
            "information_flow",
            "initiated_by",
            "ignore_contact_correspondence_type",
        ]


def criteria_field_name(section: str, field: str, nested: str = "") -> str:
    return "__".join(p for p in (section, nested, field) if p)


def criteria_tabs() -> list[tuple[str, object, list[str]]]:
    """(section key, label, form field names) for the dialog's tabs."""
    tabs = []
    for key, section in SECTIONS.items():
        names = [criteria_field_name(key, f) for f in section.fields]
        if key == "business_relation":
            names += [criteria_field_name(key, f, "sales_history") for f in SALES_HISTORY_FIELDS]
        tabs.append((key, section.label, names))
    return tabs


class CriteriaForm(forms.Form):
    """The "Add / Reduce / Refine contacts" dialog: one tab per section plus the options."""

    action = forms.ChoiceField(label=_("Action"), choices=CriteriaActionKind.choices)
    allow_existing_contacts = forms.BooleanField(label=_("Allow existing contacts"), required=False)
    expand_companies = forms.BooleanField(label=_("Expand companies"), required=False)
    allow_related_companies = forms.BooleanField(label=_("Allow related companies"), required=False)
    ignore_exclusion = forms.BooleanField(label=_("Ignore exclusion"), required=False)
    entire_companies = forms.BooleanField(label=_("Entire companies"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, section in SECTIONS.items():
            for name, spec in section.fields.items():
                self.fields[criteria_field_name(key, name)] = forms.CharField(
                    label=spec.label, required=False, help_text=FILTER_HELP
                )
        for name, spec in SALES_HISTORY_FIELDS.items():
            self.fields[criteria_field_name("business_relation", name, "sales_history")] = (
                forms.CharField(
                    label=_("Sales history: %(field)s") % {"field": spec.label},
                    required=False,
                    help_text=FILTER_HELP,
                )
            )

    def clean(self):
        data = super().clean()
        filters: dict = {}
        for key, section in SECTIONS.items():
            for name in section.fields:
                flt = parse_filter_text(data.get(criteria_field_name(key, name), ""))
                if flt:
                    filters.setdefault(key, {})[name] = flt
        for name in SALES_HISTORY_FIELDS:
            text = data.get(criteria_field_name("business_relation", name, "sales_history"), "")
            flt = parse_filter_text(text)
            if flt:
                section = filters.setdefault("business_relation", {})
                section.setdefault("sales_history", {})[name] = flt
        try:
            from .criteria import normalize_filters

            normalize_filters(filters)
        except CriteriaError as exc:
            raise forms.ValidationError(str(exc)) from exc
        data["filters"] = filters
        data["options"] = {
            k: data.get(k, False)
            for k in (
                "allow_existing_contacts",
                "expand_companies",
                "allow_related_companies",
                "ignore_exclusion",
                "entire_companies",
            )
        }
        return data


class SaveCriteriaForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=10)
    description = forms.CharField(label=_("Description"), max_length=100, required=False)
    overwrite = forms.BooleanField(label=_("Overwrite existing criteria"), required=False)


class ReuseCriteriaForm(forms.Form):
    saved = forms.ModelChoiceField(
        label=_("Saved criteria"), queryset=SavedSegmentCriteria.objects.all()
    )
    confirm_append = forms.BooleanField(
        label=_("Append to the existing criteria actions"), required=False
    )


class MailingGroupForm(forms.Form):
    mailing_group = forms.ModelChoiceField(
        label=_("Mailing group"), queryset=MailingGroup.objects.all()
    )
    remove_existing = forms.BooleanField(
        label=_("Remove existing assignments first"), required=False
    )


class LineAddForm(forms.Form):
    contact_number = forms.CharField(label=_("Contact no."), max_length=20)


class LineFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)  # contact name


class LogForm(forms.Form):
    send = forms.BooleanField(label=_("Send (e-mail / letters to print)"), required=False)
    follow_up = forms.BooleanField(label=_("Create follow-up segment"), required=False)


class ConfirmForm(forms.Form):
    """An action whose page is its confirmation (go back, refresh)."""


class ReuseLoggedForm(forms.Form):
    """SEG-27: the logged segment whose contacts are added."""

    logged = forms.ModelChoiceField(
        label=_("Logged segment"), queryset=LoggedSegment.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["logged"].queryset = LoggedSegment.objects.order_by("-entry_no")


class SegmentOpportunitiesForm(forms.Form):
    """SEG-53 / OPP-21: the wizard's fields for one opportunity per segment contact."""

    sales_cycle = forms.ModelChoiceField(
        label=_("Sales cycle"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to use the default sales cycle of Marketing setup."),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=())
    creation_date = forms.DateField(label=_("Creation date"), required=False, widget=DateInput())
    activate_first_stage = forms.BooleanField(label=_("Activate first stage"), required=False)
    estimated_value = forms.DecimalField(label=_("Estimated value"), required=False, initial=0)
    chances_percent = forms.DecimalField(label=_("Chances of success %"), required=False, initial=0)
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"),
        required=False,
        widget=DateInput(),
    )
    confirm = forms.BooleanField(
        label=_("Create one opportunity per line with a contact"), required=True
    )

    def __init__(self, *args, **kwargs):
        from opportunities.models import Priority, SalesCycle

        super().__init__(*args, **kwargs)
        self.fields["sales_cycle"].queryset = SalesCycle.objects.filter(is_blocked=False)
        self.fields["priority"].choices = Priority.choices
        self.fields["priority"].initial = Priority.NORMAL


class SegmentTaskForm(forms.Form):
    """SEG-54 / TSK-15: one task per segment contact (after confirmation)."""

    description = forms.CharField(label=_("Description"), max_length=100)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    confirm = forms.BooleanField(label=_("Create one task per segment contact"), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SegmentActivityForm(forms.Form):
    """SEG-54 / TSK-30: one set of activity tasks per segment contact."""

    activity = forms.ModelChoiceField(label=_("Activity"), queryset=None)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    confirm = forms.BooleanField(
        label=_("Assign the activity to every segment contact"), required=True
    )

    def __init__(self, *args, **kwargs):
        from opportunities.models import Activity

        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = Activity.objects.order_by("code")
        self.helper = FormHelper()
        self.helper.form_tag = False
